#pragma once
// How far a classifier's probabilities can be trusted, beside how often it is right: log loss,
// Brier score and expected calibration error (ECE), with the reliability diagram's bins. A head
// trained to a low training loss is often over-confident: of the photos it gives 90%, fewer than
// 90% are right. ECE bins the samples by their top-1 probability (Guo et al. 2017, 15 equal-width
// bins) and weighs each bin's gap between accuracy and mean confidence by its share of samples.
#include <vector>

#include <nlohmann/json.hpp>

namespace tl {

class RecordedFields;

inline constexpr int kCalibrationBins = 15;

struct ReliabilityBin {
  double lower = 0, upper = 0;  // of the top-1 probability; the first bin includes 0, every bin its upper end
  int samples = 0;
  double confidence = 0;  // mean top-1 probability of its samples (0 when empty)
  double accuracy = 0;    // share of its samples predicted right (0 when empty)
};

struct Calibration {
  double log_loss = 0;                    // mean -log p(true class), natural log
  double brier = 0;                       // mean over samples of the sum over classes of (p - [true])^2
  double expected_calibration_error = 0;  // in 0..1
  std::vector<ReliabilityBin> bins;       // all kCalibrationBins of them, empty ones too
};

// logits: samples x classes, row-major. Throws tl::Error on sizes that do not fit or a label
// outside 0..classes-1; no samples give zeros.
Calibration measure_calibration(const std::vector<float>& logits, const std::vector<int>& labels, size_t classes,
                                int bins = kCalibrationBins);

nlohmann::json to_json(const Calibration& calibration);
// Throws tl::Error naming the file and field.
Calibration calibration_from_json(const RecordedFields& fields);

}  // namespace tl
