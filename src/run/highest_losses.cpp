#include "tl/run/highest_losses.hpp"

#include <algorithm>
#include <cmath>

#include "tl/base/error.hpp"

namespace tl {

std::vector<LossySample> highest_losses(const std::vector<float>& logits, const std::vector<int>& labels,
                                        const std::vector<std::string>& paths, size_t classes, size_t count) {
  if (classes == 0 || logits.size() != labels.size() * classes || paths.size() != labels.size()) {
    throw Error("highest_losses: " + std::to_string(logits.size()) + " scores, " + std::to_string(labels.size()) +
                " labels and " + std::to_string(paths.size()) + " paths do not fit " + std::to_string(classes) +
                " classes");
  }
  std::vector<LossySample> samples;
  samples.reserve(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    const float* row = logits.data() + i * classes;
    const auto predicted = static_cast<int>(std::max_element(row, row + classes) - row);
    // log-sum-exp around the largest logit, so large logits neither overflow nor lose the loss.
    double sum = 0;
    for (size_t c = 0; c < classes; ++c) sum += std::exp(static_cast<double>(row[c]) - row[predicted]);
    const double log_normaliser = row[predicted] + std::log(sum);
    const double loss = log_normaliser - row[labels[i]];
    samples.push_back(
        {paths[i], labels[i], predicted, std::exp(row[predicted] - log_normaliser), std::exp(-loss), loss});
  }
  const auto worse = [](const LossySample& a, const LossySample& b) {
    return a.loss != b.loss ? a.loss > b.loss : a.path < b.path;
  };
  const size_t kept = std::min(count, samples.size());
  std::partial_sort(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(kept), samples.end(), worse);
  samples.resize(kept);
  return samples;
}

}  // namespace tl
