#include "tl/features/batch_memory.hpp"

#include <algorithm>

#include "tl/base/error.hpp"
#include "tl/base/physical_memory.hpp"

namespace tl {

int64_t batch_memory_bytes(const Preprocessing& preprocessing, int64_t batch_size) {
  const int64_t input = int64_t{3} * preprocessing.height * preprocessing.width * static_cast<int64_t>(sizeof(float));
  return batch_size * input * (1 + kActivationsPerInput);
}

void check_batch_fits_memory(const Preprocessing& preprocessing, int64_t batch_size, const std::string& batch_key,
                             int64_t memory_bytes) {
  if (memory_bytes < 0) memory_bytes = physical_memory_bytes();
  if (memory_bytes <= 0) return;  // the system does not say: nothing to check against
  const int64_t budget = memory_bytes / 2;
  const int64_t needed = batch_memory_bytes(preprocessing, batch_size);
  if (needed <= budget) return;
  constexpr int64_t kMiB = int64_t{1} << 20;
  const int64_t fits = budget / std::max<int64_t>(1, batch_memory_bytes(preprocessing, 1));
  throw Error(batch_key + ": a batch of " + std::to_string(batch_size) + " inputs of " +
              std::to_string(preprocessing.height) + "x" + std::to_string(preprocessing.width) + " needs about " +
              std::to_string(needed / kMiB) + " MiB with the backbone's activations, more than " +
              "half of this machine's " + std::to_string(memory_bytes / kMiB) + " MiB; " +
              (fits >= 1 ? "set " + batch_key + " to " + std::to_string(fits) + " or less"
                         : "use a smaller input size (data.image_size)"));
}

}  // namespace tl
