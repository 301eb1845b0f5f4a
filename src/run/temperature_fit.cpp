#include "tl/run/temperature_fit.hpp"

#include <cmath>

#include "tl/run/calibration.hpp"

namespace tl {
namespace {

double log_loss_at(const std::vector<float>& logits, const std::vector<int>& labels, size_t classes,
                   double temperature) {
  return measure_calibration(tempered(logits, temperature), labels, classes).log_loss;
}

}  // namespace

std::vector<float> tempered(const std::vector<float>& logits, double temperature) {
  std::vector<float> result(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) result[i] = static_cast<float>(logits[i] / temperature);
  return result;
}

double fit_temperature(const std::vector<float>& logits, const std::vector<int>& labels, size_t classes) {
  if (labels.empty()) return 1.0;
  const double golden = (std::sqrt(5.0) - 1) / 2;
  double low = std::log(kLowestTemperature), high = std::log(kHighestTemperature);
  double a = high - golden * (high - low), b = low + golden * (high - low);
  double loss_a = log_loss_at(logits, labels, classes, std::exp(a));
  double loss_b = log_loss_at(logits, labels, classes, std::exp(b));
  while (high - low > 1e-6) {
    if (loss_a <= loss_b) {
      high = b;
      b = a;
      loss_b = loss_a;
      a = high - golden * (high - low);
      loss_a = log_loss_at(logits, labels, classes, std::exp(a));
    } else {
      low = a;
      a = b;
      loss_a = loss_b;
      b = low + golden * (high - low);
      loss_b = log_loss_at(logits, labels, classes, std::exp(b));
    }
  }
  return std::exp((low + high) / 2);
}

}  // namespace tl
