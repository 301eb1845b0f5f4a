#include "tl/run/temperature_fit.hpp"

#include <cmath>

#include "tl/run/recorded_fields.hpp"

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

nlohmann::json TemperatureFit::to_json() const {
  return {{"temperature", temperature},
          {"val",
           {{"samples", samples},
            {"log_loss_before", before.log_loss},
            {"log_loss_after", after.log_loss},
            {"ece_before", before.expected_calibration_error},
            {"ece_after", after.expected_calibration_error}}}};
}

TemperatureFit TemperatureFit::from_json(const RecordedFields& fields) {
  TemperatureFit fit;
  fit.temperature = fields.number("temperature");
  const RecordedFields val = fields.object("val");
  fit.samples = val.integer("samples");
  fit.before.log_loss = val.number("log_loss_before");
  fit.after.log_loss = val.number("log_loss_after");
  fit.before.expected_calibration_error = val.number("ece_before");
  fit.after.expected_calibration_error = val.number("ece_after");
  return fit;
}

TemperatureFit fit_temperature_measured(const std::vector<float>& logits, const std::vector<int>& labels,
                                        size_t classes) {
  TemperatureFit fit;
  fit.samples = static_cast<int>(labels.size());
  fit.temperature = fit_temperature(logits, labels, classes);
  fit.before = measure_calibration(logits, labels, classes);
  fit.after = measure_calibration(tempered(logits, fit.temperature), labels, classes);
  return fit;
}

}  // namespace tl
