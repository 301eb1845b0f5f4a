#include "tl/features/cpu_runtime.hpp"

#include <algorithm>
#include <thread>

#include <malloc.h>
#include <torch/utils.h>

#include "tl/base/available_cores.hpp"

namespace tl {

int configure_cpu_runtime(int requested_threads) {
  constexpr int kLargestMallocThreshold = 32 << 20;  // glibc's maximum on 64-bit
  mallopt(M_MMAP_THRESHOLD, kLargestMallocThreshold);
  mallopt(M_MMAP_MAX, 0);  // other threads' arenas still map what their heaps cannot hold
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 256 << 20);
  const int threads = requested_threads > 0 ? requested_threads : available_cores();
  torch::set_num_threads(threads);
  return threads;
}

int backbone_batch_size(int configured) {
  if (configured > 0) return configured;
  return torch::get_num_threads() > 1 ? 8 : 16;
}

}  // namespace tl
