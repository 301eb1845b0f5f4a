#pragma once
// The samples a classifier got most wrong: the highest cross-entropy losses of a scored split, for
// the "top losses" photos of a report (fastai's plot_top_losses). Deterministic: ties go to the
// earlier path, so the same run always shows the same photos.
#include <optional>
#include <string>
#include <vector>

#include "tl/run/evaluated_images.hpp"
#include "tl/run/heat_map.hpp"

namespace tl {

struct LossySample {
  std::string path;
  int label = 0;
  int predicted = 0;
  double probability = 0;       // softmax probability of the predicted class
  double true_probability = 0;  // ... and of the true one
  double loss = 0;              // -log(true_probability)
  // Where the model looked for the predicted and for the true class, when evaluation drew them.
  std::optional<HeatMap> predicted_heat_map = std::nullopt, true_heat_map = std::nullopt;
};

// Returns at most `count` of the images, highest loss first.
std::vector<LossySample> highest_losses(const std::vector<EvaluatedImage>& images, size_t count);
// The same from logits: samples x classes, row-major.
std::vector<LossySample> highest_losses(const std::vector<float>& logits, const std::vector<int>& labels,
                                        const std::vector<std::string>& paths, size_t classes, size_t count);

}  // namespace tl
