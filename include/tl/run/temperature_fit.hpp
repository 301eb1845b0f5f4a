#pragma once
// Temperature scaling (Guo et al. 2017): one number T that divides every logit, fitted on held-out
// images by minimising their log loss. The most probable class never changes (accuracy stays as
// it is); an over-confident classifier gets T > 1, which spreads its probabilities out.
#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

#include "tl/run/calibration.hpp"

namespace tl {

class RecordedFields;

// The temperatures it searches; beyond them the held-out images say nothing useful (all right with
// huge margins, or noise).
inline constexpr double kLowestTemperature = 0.05;
inline constexpr double kHighestTemperature = 20.0;

// logits: samples x classes, row-major. Returns 1 when there are no samples. The log loss is convex
// in 1/T, so a golden-section search over log T finds its minimum to 1e-6 relative.
double fit_temperature(const std::vector<float>& logits, const std::vector<int>& labels, size_t classes);

// The logits divided by `temperature`.
std::vector<float> tempered(const std::vector<float>& logits, double temperature);

// A fitted temperature and what it did to the held-out images it was fitted on.
struct TemperatureFit {
  double temperature = 1;
  int samples = 0;
  Calibration before, after;  // of those images; their reliability bins are not recorded

  // {temperature, val: {samples, log_loss_before, log_loss_after, ece_before, ece_after}}
  nlohmann::json to_json() const;
  // Throws tl::Error naming the file and field.
  static TemperatureFit from_json(const RecordedFields& fields);
};

// fit_temperature and the calibration of the images before and after it.
TemperatureFit fit_temperature_measured(const std::vector<float>& logits, const std::vector<int>& labels,
                                        size_t classes);

}  // namespace tl
