#include "tl/feature_extraction.hpp"

#include <torch/torch.h>

#include "tl/progress.hpp"

namespace tl {

FeatureSet extract_features(Backbone& backbone, const Dataset& dataset, const std::vector<size_t>& indices,
                            const Preprocessing& preprocessing, const LoaderOptions& options, SkippedFiles& skipped,
                            const std::string& progress_label) {
  LoaderOptions loader_options = options;
  loader_options.pin_memory = backbone.device().is_cuda();
  BatchLoader loader(dataset, indices, preprocessing, loader_options, skipped);
  Progress progress(progress_label, indices.size(), "img");
  std::vector<torch::Tensor> features, labels;
  FeatureSet result;
  size_t images_seen = 0;
  while (auto batch = loader.next()) {
    if (batch->labels.size(0) > 0) {
      const torch::Tensor images = batch->images.to(backbone.device(), /*non_blocking=*/true);
      features.push_back(backbone.features(images).to(torch::kCPU));
      labels.push_back(batch->labels);
      result.sample_indices.insert(result.sample_indices.end(), batch->sample_indices.begin(),
                                   batch->sample_indices.end());
    }
    const size_t batch_images = std::min<size_t>(options.batch_size, indices.size() - images_seen);
    images_seen += batch_images;
    progress.advance(batch_images);
  }
  progress.finish();
  result.seconds = progress.seconds();
  result.features = features.empty() ? torch::empty({0, backbone.feature_dim()}) : torch::cat(features);
  result.labels = labels.empty() ? torch::empty({0}, torch::kInt64) : torch::cat(labels);
  return result;
}

}  // namespace tl
