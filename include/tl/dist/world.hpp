#pragma once
// Where this process stands among the processes of one job, read from torchrun's environment
// variables (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT), so the same
// binary runs under torchrun --no_python, Slurm, a Kubernetes PyTorchJob, tl's own --nproc, or by
// hand on several machines. TL_DIST_TIMEOUT (seconds, default 300) bounds every wait on another rank;
// TL_DIST_BACKEND may only be gloo (NCCL is named as missing rather than silently replaced);
// TL_DIST_TOKEN is the secret the ranks of a job share, which a rendezvous on the network requires.
#include <chrono>
#include <string>

namespace tl {

struct World {
  int rank = 0;
  int size = 1;
  int local_rank = 0;
  int local_size = 1;
  std::string master_address = "127.0.0.1";
  int master_port = 29500;
  std::chrono::seconds timeout{300};
  // Set by tl's own --nproc launcher (TL_DIST_STORE_FILE): the ranks meet through this file in a
  // directory only the user can read, so no rendezvous port listens on any network interface.
  std::string store_file;
  std::string token;
  // Under torchrun's static rendezvous (TORCHELASTIC_USE_AGENT_STORE=True) torchrun's agent already
  // serves a c10d TCPStore at the master port, and every rank joins it under this key prefix.
  std::string agent_store_prefix;

  bool distributed() const { return size > 1; }
  std::string describe() const;  // "rank 1 of 2 (master 127.0.0.1:29500)"
};

// No WORLD_SIZE (or WORLD_SIZE=1): one process. Throws tl::Error naming the variable when one is
// missing or malformed (WORLD_SIZE without RANK, RANK >= WORLD_SIZE, a port outside 1..65535).
World world_from_environment();

}  // namespace tl
