#include "tl/explain/class_heat_map.hpp"

#include <algorithm>

#include <torch/torch.h>

#include "tl/base/error.hpp"
#include "tl/features/input_conversion.hpp"
#include "tl/model/trained_classifier.hpp"

namespace tl {
namespace {

torch::Tensor resized(const torch::Tensor& maps, int64_t rows, int64_t cols) {
  if (maps.size(-2) == rows && maps.size(-1) == cols) return maps;
  namespace F = torch::nn::functional;
  return F::interpolate(maps.unsqueeze(1), F::InterpolateFuncOptions()
                                               .size(std::vector<int64_t>{rows, cols})
                                               .mode(torch::kBilinear)
                                               .align_corners(false))
      .squeeze(1);
}

}  // namespace

torch::Tensor grad_cam(const std::vector<BlockInput>& inputs,
                       const std::function<torch::Tensor(const torch::Tensor&)>& head,
                       const std::vector<int>& classes) {
  std::vector<torch::Tensor> activations, features;
  int64_t rows = 0, cols = 0;
  for (const BlockInput& input : inputs) {
    BlockOutput output = input.backbone->through_block(input.images, input.block);
    rows = std::max(rows, output.activations.size(2));
    cols = std::max(cols, output.activations.size(3));
    activations.push_back(std::move(output.activations));
    features.push_back(std::move(output.features));
  }
  const torch::Tensor logits = head(torch::cat(features, 1));
  std::vector<torch::Tensor> per_class;
  for (const int index : classes) {
    const auto gradients = torch::autograd::grad({logits.select(1, index).sum()}, activations,
                                                 /*grad_outputs=*/{}, /*retain_graph=*/true);
    torch::Tensor sum = torch::zeros({logits.size(0), rows, cols});
    for (size_t i = 0; i < activations.size(); ++i) {
      const torch::Tensor weights = gradients[i].mean({2, 3}, /*keepdim=*/true);
      const torch::Tensor map = (weights * activations[i].detach()).sum(1).relu();
      sum += resized(map, rows, cols).to(torch::kCPU);
    }
    per_class.push_back(sum);
  }
  return torch::stack(per_class);
}

ClassHeatMaps::ClassHeatMaps(TrainedClassifier& classifier) : classifier_(classifier) {
  const auto& backbones = classifier.backbones();
  for (size_t i = 0; i < backbones.size(); ++i) {
    const LoadedBackbone& loaded = backbones[i];
    if (i > 0) input_conversion(backbones.front().preprocessing, loaded.preprocessing);
    const auto blocks = loaded.backbone->spatial_blocks(loaded.preprocessing.height, loaded.preprocessing.width);
    if (blocks.empty()) {
      throw Error(loaded.backbone->path().string() + ": no block gives a spatial map to draw a heat map from");
    }
    blocks_.push_back(blocks.back().name);
  }
}

std::vector<HeatMap> ClassHeatMaps::maps(const torch::Tensor& image, const std::vector<int>& classes, bool flips) {
  const auto& backbones = classifier_.backbones();
  const auto inputs_of = [&](const torch::Tensor& pixels) {
    std::vector<BlockInput> inputs;
    for (size_t i = 0; i < backbones.size(); ++i) {
      const torch::Tensor converted =
          i == 0 ? pixels : input_conversion(backbones.front().preprocessing, backbones[i].preprocessing).apply(pixels);
      inputs.push_back({backbones[i].backbone.get(), converted.to(backbones[i].backbone->device()), blocks_[i]});
    }
    return inputs;
  };
  const auto head = [&](const torch::Tensor& features) {
    return classifier_.head()->forward(features.to(classifier_.head()->parameters().front().device()));
  };
  torch::Tensor cams = grad_cam(inputs_of(image), head, classes).select(1, 0);
  if (flips) cams = (cams + grad_cam(inputs_of(image.flip({3})), head, classes).select(1, 0).flip({2})) / 2;
  std::vector<HeatMap> maps;
  for (int64_t c = 0; c < cams.size(0); ++c) {
    const torch::Tensor cam = cams[c];
    const double peak = cam.max().item<double>();
    const torch::Tensor scaled = (peak > 0 ? cam / peak : torch::zeros_like(cam)).contiguous();
    HeatMap map;
    map.rows = static_cast<int>(scaled.size(0));
    map.cols = static_cast<int>(scaled.size(1));
    map.values.assign(scaled.data_ptr<float>(), scaled.data_ptr<float>() + scaled.numel());
    maps.push_back(std::move(map));
  }
  return maps;
}

}  // namespace tl
