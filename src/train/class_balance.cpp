#include "tl/train/class_balance.hpp"

#include <torch/torch.h>

namespace tl {

torch::Tensor balanced_class_weights(const torch::Tensor& labels, int64_t classes) {
  const auto counts = torch::bincount(labels.to(torch::kCPU), {}, classes).to(torch::kFloat32);
  const auto present = counts.gt(0).sum().to(torch::kFloat32);
  return torch::where(counts.gt(0), static_cast<double>(labels.size(0)) / (present * counts),
                      torch::zeros_like(counts));
}

}  // namespace tl
