#pragma once
// How many cores "all cores" means for this process: OMP_NUM_THREADS when set (a launcher that
// splits the machine between ranks sets it), else the CPUs this process may run on (its affinity
// mask, as taskset, cgroups and Slurm restrict it), at least 1.
namespace tl {

int available_cores();

}  // namespace tl
