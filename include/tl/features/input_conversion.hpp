#pragma once
// One image tensor for several backbones. Images normalised for one backbone's preprocessing are
// renormalised (and their channels reordered) for another's, which is exact when both take the same
// pixels: same input size, resize, interpolation and decoding. That is how a concatenation of
// backbones takes a single input where one is all there is: the exported module, the pixels tl-dream
// and tl-attack optimise, a probe batch.
#include <array>
#include <cstdint>

#include <torch/types.h>

#include "tl/config/preprocessing_options.hpp"

namespace tl {

struct InputConversion {
  std::array<int64_t, 3> source_channel{0, 1, 2};       // output channel c is input channel source_channel[c]
  std::array<float, 3> scale{1, 1, 1}, shift{0, 0, 0};  // then x * scale[c] + shift[c]

  // [N, 3, H, W] in the source preprocessing -> the same images in the target's.
  torch::Tensor apply(const torch::Tensor& images) const;
};

// Throws tl::Error saying what differs when `to` needs other pixels than `from` gives.
InputConversion input_conversion(const Preprocessing& from, const Preprocessing& to);

}  // namespace tl
