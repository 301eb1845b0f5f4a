#include "tl/run/highest_losses.hpp"

#include <algorithm>

namespace tl {

std::vector<LossySample> highest_losses(const std::vector<EvaluatedImage>& images, size_t count) {
  std::vector<LossySample> samples;
  samples.reserve(images.size());
  for (const EvaluatedImage& image : images) {
    samples.push_back({image.path, image.label, image.predicted(), image.top_probabilities.front(),
                       image.true_probability, image.loss});
  }
  const auto worse = [](const LossySample& a, const LossySample& b) {
    return a.loss != b.loss ? a.loss > b.loss : a.path < b.path;
  };
  const size_t kept = std::min(count, samples.size());
  std::partial_sort(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(kept), samples.end(), worse);
  samples.resize(kept);
  return samples;
}

std::vector<LossySample> highest_losses(const std::vector<float>& logits, const std::vector<int>& labels,
                                        const std::vector<std::string>& paths, size_t classes, size_t count) {
  return highest_losses(evaluated_images(logits, labels, paths, classes, 1), count);
}

}  // namespace tl
