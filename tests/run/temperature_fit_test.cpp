// Temperature scaling finds the temperature that made honest probabilities over-confident.
#include "tl/run/temperature_fit.hpp"

#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "tl/run/calibration.hpp"

namespace {

// Three-class logits whose softmax is the probability each label was drawn from: calibrated.
void honest_logits(std::vector<float>& logits, std::vector<int>& labels) {
  std::mt19937 generator(7);
  std::normal_distribution<float> noise(0.0f, 1.5f);
  for (int i = 0; i < 3000; ++i) {
    std::vector<double> row;
    double sum = 0;
    for (int c = 0; c < 3; ++c) {
      logits.push_back(noise(generator));
      sum += std::exp(logits.back());
    }
    double draw = std::uniform_real_distribution<double>(0, sum)(generator);
    int label = 0;
    while (label < 2 && (draw -= std::exp(logits[logits.size() - 3 + static_cast<size_t>(label)])) > 0) ++label;
    labels.push_back(label);
  }
}

TEST(TemperatureFit, UndoesTheOverConfidenceOfScaledLogits) {
  std::vector<float> logits;
  std::vector<int> labels;
  honest_logits(logits, labels);
  EXPECT_NEAR(tl::fit_temperature(logits, labels, 3), 1.0, 0.1) << "honest probabilities keep T near 1";
  const std::vector<float> over_confident = tl::tempered(logits, 1.0 / 3);  // logits times 3
  const double temperature = tl::fit_temperature(over_confident, labels, 3);
  EXPECT_NEAR(temperature, 3.0, 0.3);
  const tl::Calibration before = tl::measure_calibration(over_confident, labels, 3);
  const tl::Calibration after = tl::measure_calibration(tl::tempered(over_confident, temperature), labels, 3);
  EXPECT_LT(after.log_loss, before.log_loss);
  EXPECT_LT(after.expected_calibration_error, before.expected_calibration_error / 3);
}

TEST(TemperatureFit, StaysWithinItsRangeAndNeedsSamples) {
  EXPECT_EQ(tl::fit_temperature({}, {}, 2), 1.0);
  // Every image right with a wide margin: sharper is always better, up to the lowest temperature.
  const double sharpest = tl::fit_temperature({5.0f, 0.0f, 0.0f, 5.0f}, {0, 1}, 2);
  EXPECT_NEAR(sharpest, tl::kLowestTemperature, 1e-3);
}

}  // namespace
