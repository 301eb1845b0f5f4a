#include "tl/run/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "tl/base/error.hpp"
#include "tl/run/class_probabilities.hpp"
#include "tl/run/recorded_fields.hpp"

namespace tl {

Calibration measure_calibration(const std::vector<float>& logits, const std::vector<int>& labels, size_t classes,
                                int bins) {
  if (classes == 0 || bins < 1 || logits.size() != labels.size() * classes) {
    throw Error("calibration: " + std::to_string(logits.size()) + " scores and " + std::to_string(labels.size()) +
                " labels do not fit " + std::to_string(classes) + " classes");
  }
  Calibration calibration;
  std::vector<double> confidence_sums(static_cast<size_t>(bins), 0.0);
  std::vector<int> right(static_cast<size_t>(bins), 0);
  calibration.bins.resize(static_cast<size_t>(bins));
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || static_cast<size_t>(labels[i]) >= classes) {
      throw Error("calibration: label " + std::to_string(labels[i]) + " is not a class index below " +
                  std::to_string(classes));
    }
    const ClassProbabilities row = class_probabilities(logits.data() + i * classes, classes);
    const auto label = static_cast<size_t>(labels[i]);
    calibration.log_loss -= row.log_probabilities[label];
    for (size_t c = 0; c < classes; ++c) {
      const double error = row.probabilities[c] - (c == label ? 1.0 : 0.0);
      calibration.brier += error * error;
    }
    // Bin b holds confidences in (b/B, (b+1)/B]; bin 0 also holds 0.
    const double confidence = row.probabilities[static_cast<size_t>(row.predicted)];
    const auto bin = static_cast<size_t>(std::clamp(static_cast<int>(std::ceil(confidence * bins)) - 1, 0, bins - 1));
    ++calibration.bins[bin].samples;
    confidence_sums[bin] += confidence;
    right[bin] += row.predicted == labels[i] ? 1 : 0;
  }
  const auto samples = static_cast<double>(labels.size());
  for (size_t b = 0; b < calibration.bins.size(); ++b) {
    ReliabilityBin& bin = calibration.bins[b];
    bin.lower = static_cast<double>(b) / bins;
    bin.upper = static_cast<double>(b + 1) / bins;
    if (bin.samples == 0) continue;
    bin.confidence = confidence_sums[b] / bin.samples;
    bin.accuracy = static_cast<double>(right[b]) / bin.samples;
    calibration.expected_calibration_error += std::abs(bin.accuracy - bin.confidence) * bin.samples / samples;
  }
  if (!labels.empty()) {
    calibration.log_loss /= samples;
    calibration.brier /= samples;
  }
  return calibration;
}

nlohmann::json to_json(const Calibration& calibration) {
  nlohmann::json bins = nlohmann::json::array();
  for (const ReliabilityBin& bin : calibration.bins) {
    bins.push_back({{"lower", bin.lower},
                    {"upper", bin.upper},
                    {"samples", bin.samples},
                    {"confidence", bin.confidence},
                    {"accuracy", bin.accuracy}});
  }
  return {{"log_loss", calibration.log_loss},
          {"brier", calibration.brier},
          {"expected_calibration_error", calibration.expected_calibration_error},
          {"reliability_bins", bins}};
}

Calibration calibration_from_json(const RecordedFields& fields) {
  Calibration calibration;
  calibration.log_loss = fields.number("log_loss");
  calibration.brier = fields.number("brier");
  calibration.expected_calibration_error = fields.number("expected_calibration_error");
  for (size_t b = 0; b < fields.array("reliability_bins").size(); ++b) {
    const RecordedFields bin = fields.element("reliability_bins", b);
    calibration.bins.push_back({bin.number("lower"), bin.number("upper"), bin.integer("samples"),
                                bin.number("confidence"), bin.number("accuracy")});
  }
  return calibration;
}

}  // namespace tl
