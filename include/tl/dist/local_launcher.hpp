#pragma once
// --nproc N: N ranks of this same program on this machine, without torchrun. Picks a free port on
// 127.0.0.1, starts every rank with torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT) and OMP_NUM_THREADS = cores / N (so LibTorch and the
// decoders split the machine), prefixes each rank's stderr lines with "[rank R] ", forwards Ctrl-C
// and SIGTERM to every rank once, and returns the first failing rank's exit code (128 + signal when
// a signal ended it), or 0. After a rank fails, the others get the world's timeout to notice and
// end; then they are killed.
#include <string>
#include <vector>

namespace tl {

// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's choice; free until someone binds it).
int free_local_port();

// `arguments`: the command line to give each rank (argv[0] first, without --nproc).
int launch_local_ranks(int ranks, const std::vector<std::string>& arguments);

}  // namespace tl
