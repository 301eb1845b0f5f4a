#include "tl/explain/feature_maps.hpp"

#include <torch/torch.h>

namespace tl {
namespace {

cv::Mat grid_of(const torch::Tensor& plane) {
  const torch::Tensor values = plane.to(torch::kCPU, torch::kFloat32).contiguous();
  return cv::Mat(static_cast<int>(values.size(0)), static_cast<int>(values.size(1)), CV_32F, values.data_ptr<float>())
      .clone();
}

}  // namespace

BlockFeatureMaps block_feature_maps(Backbone& backbone, const torch::Tensor& image, const std::string& block,
                                    int count) {
  const torch::Tensor activations = backbone.through_block(image, block).activations.detach()[0];
  BlockFeatureMaps maps;
  maps.block = block;
  maps.channels = static_cast<int>(activations.size(0));
  const torch::Tensor means = activations.mean({1, 2}).to(torch::kCPU);
  const auto order = means.argsort(/*dim=*/0, /*descending=*/true);
  for (int64_t i = 0; i < std::min<int64_t>(count, maps.channels); ++i) {
    const int64_t channel = order[i].item<int64_t>();
    maps.strongest.push_back({static_cast<int>(channel), means[channel].item<double>(), grid_of(activations[channel])});
  }
  maps.mean_map = grid_of(activations.mean(0));
  return maps;
}

std::vector<std::string> default_feature_blocks(const std::vector<std::string>& spatial_blocks) {
  if (spatial_blocks.size() < 2) return spatial_blocks;
  return {spatial_blocks[(spatial_blocks.size() - 1) / 2], spatial_blocks.back()};
}

}  // namespace tl
