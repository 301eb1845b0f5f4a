#include "tl/run/class_probabilities.hpp"

#include <algorithm>
#include <cmath>

namespace tl {

ClassProbabilities class_probabilities(const float* logits, size_t classes) {
  ClassProbabilities result;
  result.predicted = static_cast<int>(std::max_element(logits, logits + classes) - logits);
  const double largest = logits[result.predicted];
  double sum = 0;
  for (size_t c = 0; c < classes; ++c) sum += std::exp(static_cast<double>(logits[c]) - largest);
  const double log_normaliser = largest + std::log(sum);
  result.probabilities.resize(classes);
  result.log_probabilities.resize(classes);
  for (size_t c = 0; c < classes; ++c) {
    result.log_probabilities[c] = static_cast<double>(logits[c]) - log_normaliser;
    result.probabilities[c] = std::exp(result.log_probabilities[c]);
  }
  return result;
}

}  // namespace tl
