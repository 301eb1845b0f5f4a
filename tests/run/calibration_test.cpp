// Calibration figures against values worked out by hand.
#include "tl/run/calibration.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "support/error_of.hpp"
#include "tl/run/classification_report.hpp"
#include "tl/run/recorded_fields.hpp"

namespace {

// Two-class logits whose softmax gives the first class probability p.
std::vector<float> two_class_logits(double p) { return {static_cast<float>(std::log(p / (1 - p))), 0.0f}; }

TEST(Calibration, AnOverConfidentClassifierHasTheGapAsItsError) {
  // Ten photos, each given 90% for class 0; seven are class 0.
  std::vector<float> logits;
  std::vector<int> labels;
  for (int i = 0; i < 10; ++i) {
    const auto row = two_class_logits(0.9);
    logits.insert(logits.end(), row.begin(), row.end());
    labels.push_back(i < 7 ? 0 : 1);
  }
  const tl::Calibration calibration = tl::measure_calibration(logits, labels, 2);
  EXPECT_NEAR(calibration.expected_calibration_error, 0.2, 1e-6);
  EXPECT_NEAR(calibration.log_loss, -(7 * std::log(0.9) + 3 * std::log(0.1)) / 10, 1e-6);
  EXPECT_NEAR(calibration.brier, (7 * 2 * 0.01 + 3 * 2 * 0.81) / 10, 1e-6);
  ASSERT_EQ(calibration.bins.size(), 15u);
  const tl::ReliabilityBin& bin = calibration.bins[13];  // (13/15, 14/15] holds 0.9
  EXPECT_EQ(bin.samples, 10);
  EXPECT_NEAR(bin.confidence, 0.9, 1e-6);
  EXPECT_NEAR(bin.accuracy, 0.7, 1e-6);
  EXPECT_NEAR(bin.lower, 13.0 / 15, 1e-12);
  EXPECT_NEAR(bin.upper, 14.0 / 15, 1e-12);
  for (size_t b = 0; b < calibration.bins.size(); ++b) {
    if (b != 13) EXPECT_EQ(calibration.bins[b].samples, 0) << b;
  }
}

TEST(Calibration, HonestProbabilitiesHaveNoGapAndBinsSplitByConfidence) {
  // 60% confident and right 3 times in 5; 100% (a huge logit) and right twice in 2.
  std::vector<float> logits;
  std::vector<int> labels;
  for (int i = 0; i < 5; ++i) {
    const auto row = two_class_logits(0.6);
    logits.insert(logits.end(), row.begin(), row.end());
    labels.push_back(i < 3 ? 0 : 1);
  }
  for (int i = 0; i < 2; ++i) {
    logits.insert(logits.end(), {0.0f, 1000.0f});
    labels.push_back(1);
  }
  const tl::Calibration calibration = tl::measure_calibration(logits, labels, 2);
  EXPECT_NEAR(calibration.expected_calibration_error, 0.0, 1e-6);
  EXPECT_EQ(calibration.bins[8].samples, 5);  // (8/15, 9/15] holds 0.6
  EXPECT_EQ(calibration.bins[14].samples, 2) << "a probability of 1 is in the last bin";
  EXPECT_TRUE(std::isfinite(calibration.log_loss));
}

TEST(Calibration, NoSamplesGiveZerosAndBadLabelsAnError) {
  const tl::Calibration none = tl::measure_calibration({}, {}, 3);
  EXPECT_EQ(none.log_loss, 0);
  EXPECT_EQ(none.bins.size(), 15u);
  EXPECT_NE(tl::testing::error_of([] {
              tl::measure_calibration({0.0f, 1.0f}, {2}, 2);
            }).find("label 2 is not a class index below 2"),
            std::string::npos);
  EXPECT_NE(tl::testing::error_of([] {
              tl::measure_calibration({0.0f, 1.0f, 2.0f}, {0}, 2);
            }).find("do not fit"),
            std::string::npos);
}

TEST(Calibration, ReadsBackWhatItWritesInAReport) {
  tl::ClassificationReport report =
      tl::make_classification_report({2.0f, 0.0f, 0.0f, 1.0f, 0.5f, 0.2f}, {0, 1, 1}, {"cat", "dog"});
  EXPECT_FALSE(tl::classification_report_from_json(tl::to_json(report), "e.json").calibration)
      << "a report without calibration (tl before it) reads without one";
  report.calibration = tl::measure_calibration({2.0f, 0.0f, 0.0f, 1.0f, 0.5f, 0.2f}, {0, 1, 1}, 2);
  const auto read = tl::classification_report_from_json(tl::to_json(report), "e.json").calibration;
  ASSERT_TRUE(read);
  EXPECT_EQ(read->log_loss, report.calibration->log_loss);
  EXPECT_EQ(read->expected_calibration_error, report.calibration->expected_calibration_error);
  ASSERT_EQ(read->bins.size(), 15u);
  EXPECT_EQ(read->bins[10].samples, report.calibration->bins[10].samples);
  EXPECT_NE(tl::format_report(report).find("calibration error"), std::string::npos);

  nlohmann::json damaged = tl::to_json(report);
  damaged["calibration"]["reliability_bins"][3].erase("samples");
  EXPECT_NE(tl::testing::error_of([&] {
              tl::classification_report_from_json(damaged, "e.json");
            }).find("e.json: calibration.reliability_bins[3].samples: missing"),
            std::string::npos);
}

}  // namespace
