#include "tl/features/input_conversion.hpp"

#include <string>

#include <torch/torch.h>

#include "tl/base/error.hpp"

namespace tl {
namespace {

// The RGB index of channel c in `order`.
size_t rgb_index(ChannelOrder order, size_t c) { return order == ChannelOrder::rgb ? c : 2 - c; }

std::string size_text(const Preprocessing& p) {
  return std::to_string(p.height) + "x" + std::to_string(p.width) + " from shorter side " +
         std::to_string(p.resize_shorter) + " (" + interpolation_name(p.interpolation) + ")";
}

}  // namespace

torch::Tensor InputConversion::apply(const torch::Tensor& images) const {
  const auto on = torch::TensorOptions().device(images.device());
  const torch::Tensor channels =
      torch::tensor(std::vector<int64_t>(source_channel.begin(), source_channel.end()), on.dtype(torch::kInt64));
  const torch::Tensor scales =
      torch::tensor(std::vector<float>(scale.begin(), scale.end()), on.dtype(images.scalar_type())).view({1, 3, 1, 1});
  const torch::Tensor shifts =
      torch::tensor(std::vector<float>(shift.begin(), shift.end()), on.dtype(images.scalar_type())).view({1, 3, 1, 1});
  return images.index_select(1, channels) * scales + shifts;
}

InputConversion input_conversion(const Preprocessing& from, const Preprocessing& to) {
  if (from.height != to.height || from.width != to.width || from.resize_shorter != to.resize_shorter ||
      from.interpolation != to.interpolation || from.reduced_decode != to.reduced_decode ||
      from.mirrored != to.mirrored) {
    throw Error("the backbones take different pixels (" + size_text(from) + " and " + size_text(to) +
                "), so one image tensor cannot feed both");
  }
  InputConversion conversion;
  for (size_t c = 0; c < 3; ++c) {
    const size_t rgb = rgb_index(to.channel_order, c);
    // x_from = (p - mean_from) / std_from in channel source_channel[c]; solve for p, normalise as `to`.
    conversion.source_channel[c] = static_cast<int64_t>(rgb_index(from.channel_order, rgb));
    conversion.scale[c] = from.std[rgb] / to.std[rgb];
    conversion.shift[c] = (from.mean[rgb] - to.mean[rgb]) / to.std[rgb];
  }
  return conversion;
}

}  // namespace tl
