#include "tl/run/class_probabilities.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

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

std::vector<int> most_probable(const ClassProbabilities& row, size_t k) {
  std::vector<int> order(row.probabilities.size());
  std::iota(order.begin(), order.end(), 0);
  const auto kept = static_cast<std::ptrdiff_t>(std::min(k, order.size()));
  std::partial_sort(order.begin(), order.begin() + kept, order.end(), [&](int a, int b) {
    const double pa = row.probabilities[static_cast<size_t>(a)], pb = row.probabilities[static_cast<size_t>(b)];
    return pa != pb ? pa > pb : a < b;
  });
  order.resize(static_cast<size_t>(kept));
  return order;
}

}  // namespace tl
