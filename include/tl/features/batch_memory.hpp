#pragma once
// Whether a backbone batch fits the machine, checked before any work: a batch's memory is estimated
// from its input tensor and the activations a convolutional backbone holds at once, taken as at most
// kActivationsPerInput times that input (VGG-16's first two convolutions hold 43 times theirs,
// ResNet-50's about 5). Free of LibTorch.
#include <cstdint>
#include <string>

#include "tl/config/preprocessing_options.hpp"

namespace tl {

inline constexpr int64_t kActivationsPerInput = 48;

int64_t batch_memory_bytes(const Preprocessing& preprocessing, int64_t batch_size);

// tl::Error naming `batch_key`, what the batch would need and the largest batch size that fits, when
// a batch would need more than half of `memory_bytes` (the machine's, by default).
void check_batch_fits_memory(const Preprocessing& preprocessing, int64_t batch_size, const std::string& batch_key,
                             int64_t memory_bytes = -1);

}  // namespace tl
