// Metrics on hand-made predictions, where every number can be worked out on paper.
#include "tl/run/classification_report.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <gtest/gtest.h>

#include "tl/base/error.hpp"

namespace {

// Three classes, six samples; true -> predicted (argmax): a->a, a->a, a->b, b->b, c->a, c->c.
const std::vector<std::string> kNames{"a", "b", "c"};
const std::vector<int> kLabels{0, 0, 0, 1, 2, 2};
const std::vector<float> kScores{
    0.9f, 0.1f, 0.0f,  // true a, predicted a
    0.6f, 0.3f, 0.1f,  // true a, predicted a
    0.3f, 0.6f, 0.1f,  // true a, predicted b; a ranks second
    0.1f, 0.8f, 0.1f,  // true b, predicted b
    0.5f, 0.4f, 0.1f,  // true c, predicted a; c ranks third
    0.0f, 0.2f, 0.8f,  // true c, predicted c
};

TEST(ClassificationReport, HandComputedNumbers) {
  // Confusion, rows true, columns predicted: a: [2, 1, 0]   b: [0, 1, 0]   c: [1, 0, 1]
  const auto report = tl::make_classification_report(kScores, kLabels, kNames, 2);
  EXPECT_EQ(report.samples, 6);
  std::vector<std::array<int, 3>> cells;
  for (const auto& cell : report.confusion) cells.push_back({cell.true_class, cell.predicted, cell.count});
  EXPECT_EQ(cells, (std::vector<std::array<int, 3>>{{0, 0, 2}, {0, 1, 1}, {1, 1, 1}, {2, 0, 1}, {2, 2, 1}}));
  EXPECT_DOUBLE_EQ(report.top1, 4.0 / 6);
  // Top-2 misses only the c sample scored (a 0.5, b 0.4, c 0.1).
  EXPECT_DOUBLE_EQ(report.topk, 5.0 / 6);
  EXPECT_EQ(report.k, 2);
  // Recall a 2/3, b 1, c 1/2 -> mean 13/18.
  EXPECT_DOUBLE_EQ(report.mean_per_class_accuracy, (2.0 / 3 + 1.0 + 0.5) / 3);
  EXPECT_DOUBLE_EQ(report.classes[0].precision, 2.0 / 3);  // predicted a: 3, right 2
  EXPECT_DOUBLE_EQ(report.classes[1].precision, 0.5);      // predicted b: 2, right 1
  EXPECT_DOUBLE_EQ(report.classes[2].precision, 1.0);
  EXPECT_DOUBLE_EQ(report.classes[2].recall, 0.5);
  EXPECT_DOUBLE_EQ(report.classes[2].f1, 2 * 1.0 * 0.5 / 1.5);
  EXPECT_EQ(report.classes[0].support, 3);
}

TEST(ClassificationReport, DefaultKIsFiveOrTheClassCount) {
  EXPECT_EQ(tl::make_classification_report(kScores, kLabels, kNames).k, 3);
  EXPECT_DOUBLE_EQ(tl::make_classification_report(kScores, kLabels, kNames).topk, 1.0);
  std::vector<std::string> many(7, "x");
  std::vector<float> scores(7, 0.0f);
  scores[6] = 1.0f;
  const auto report = tl::make_classification_report(scores, {0}, many);
  EXPECT_EQ(report.k, 5);
  EXPECT_DOUBLE_EQ(report.topk, 1.0) << "ties rank by index: class 0 is second";
}

TEST(ClassificationReport, ClassesWithoutSamplesDoNotCountInTheMean) {
  const auto report = tl::make_classification_report({1, 0, 0, 0, 1, 0}, {0, 1}, kNames);
  EXPECT_DOUBLE_EQ(report.mean_per_class_accuracy, 1.0);
  EXPECT_EQ(report.classes[2].support, 0);
  EXPECT_DOUBLE_EQ(report.classes[2].f1, 0.0);
}

TEST(ClassificationReport, JsonCarriesNamesAndMatrix) {
  const auto json = tl::to_json(tl::make_classification_report(kScores, kLabels, kNames, 2));
  EXPECT_EQ(json["confusion_matrix"]["classes"], nlohmann::json(kNames));
  EXPECT_EQ(json["confusion_matrix"]["rows_true_columns_predicted"], nlohmann::json({{2, 1, 0}, {0, 1, 0}, {1, 0, 1}}));
  EXPECT_EQ(json["confusion_matrix"]["cells_true_predicted_count"][3], nlohmann::json({2, 0, 1}));
  EXPECT_EQ(json["per_class"][1]["class"], "b");
  EXPECT_NE(tl::format_report(tl::make_classification_report(kScores, kLabels, kNames)).find("top-1 66.67%"),
            std::string::npos);
  EXPECT_NE(tl::format_report(tl::make_classification_report(kScores, kLabels, kNames, 2)).find("top-2 83.33%"),
            std::string::npos);
  EXPECT_EQ(tl::format_report(tl::make_classification_report(kScores, kLabels, kNames)).find("top-3"),
            std::string::npos)
      << "top-3 of three classes is 100% by definition";
}

// 10,000 classes once wrote a 1.1 GB report: the JSON must grow with the samples, not classes².
TEST(ClassificationReport, TenThousandClassesGiveAReportOfTheSamplesNotTheClassesSquared) {
  const int classes = 10000, samples = 200;
  std::vector<std::string> names(classes);
  for (int c = 0; c < classes; ++c) names[c] = "class_" + std::to_string(c);
  std::vector<float> scores(static_cast<size_t>(classes) * samples, 0.0f);
  std::vector<int> labels;
  for (int i = 0; i < samples; ++i) {
    labels.push_back(i * 37 % classes);
    scores[static_cast<size_t>(i) * classes + (i % 2 == 0 ? labels.back() : (labels.back() + 1) % classes)] = 1.0f;
  }
  const auto report = tl::make_classification_report(scores, labels, names);
  EXPECT_DOUBLE_EQ(report.top1, 0.5);
  EXPECT_EQ(report.confusion.size(), 200u);
  const auto json = tl::to_json(report);
  EXPECT_FALSE(json["confusion_matrix"].contains("rows_true_columns_predicted"));
  EXPECT_EQ(json["confusion_matrix"]["cells_true_predicted_count"].size(), 200u);
  EXPECT_LT(json.dump().size(), 2'000'000u) << "per-class rows and 200 cells, not 10^8";
  const std::string text = tl::format_report(report);
  EXPECT_NE(text.find("(the 40 lowest recalls of 10000 classes; every class is in the JSON report)"),
            std::string::npos);
  EXPECT_LT(std::count(text.begin(), text.end(), '\n'), 50);
}

TEST(ClassificationReport, InconsistentInputIsAnError) {
  EXPECT_THROW(tl::make_classification_report({1, 2}, {0}, kNames), tl::Error);
  EXPECT_THROW(tl::make_classification_report({1, 2, 3}, {3}, kNames), tl::Error);
}

}  // namespace

namespace {

TEST(HighestLosses, WorstScoredFirstWithSoftmaxProbabilities) {
  // Logits ln(p) make the softmax exactly p: sample 1 (true c, p=0.1) is the worst, then sample 0
  // (true b, p=0.2); sample 2 is right (true a, p=0.7). Equal losses go to the earlier path.
  const std::vector<float> logits{std::log(0.7f), std::log(0.2f), std::log(0.1f),   // true b
                                  std::log(0.6f), std::log(0.3f), std::log(0.1f),   // true c
                                  std::log(0.7f), std::log(0.2f), std::log(0.1f),   // true a
                                  std::log(0.7f), std::log(0.2f), std::log(0.1f)};  // true b, same scores
  const auto losses = tl::highest_losses(logits, {1, 2, 0, 1}, {"x.jpg", "y.jpg", "z.jpg", "w.jpg"}, 3, 3);
  ASSERT_EQ(losses.size(), 3u);
  EXPECT_EQ(losses[0].path, "y.jpg");
  EXPECT_EQ(losses[0].predicted, 0);
  EXPECT_NEAR(losses[0].true_probability, 0.1, 1e-6);
  EXPECT_NEAR(losses[0].probability, 0.6, 1e-6);
  EXPECT_NEAR(losses[0].loss, -std::log(0.1), 1e-5);
  EXPECT_EQ(losses[1].path, "w.jpg") << "a tie goes to the earlier path";
  EXPECT_EQ(losses[2].path, "x.jpg");
  EXPECT_NEAR(losses[2].true_probability, 0.2, 1e-6);
}

TEST(HighestLosses, LargeLogitsKeepAFiniteLoss) {
  const auto losses = tl::highest_losses({1000.f, -1000.f}, {1}, {"a.jpg"}, 2, 5);
  ASSERT_EQ(losses.size(), 1u);
  EXPECT_NEAR(losses[0].loss, 2000.0, 1e-3);
  EXPECT_DOUBLE_EQ(losses[0].probability, 1.0);
}

TEST(HighestLosses, InconsistentSizesAreAnError) {
  EXPECT_THROW(tl::highest_losses({1.f, 2.f, 3.f}, {0}, {"a.jpg"}, 2, 5), tl::Error);
  EXPECT_THROW(tl::highest_losses({1.f, 2.f}, {0}, {}, 2, 5), tl::Error);
}

TEST(ClassificationReport, JsonNamesTheHighestLossesByClass) {
  auto report = tl::make_classification_report(kScores, kLabels, kNames, 2);
  report.highest_losses = tl::highest_losses(kScores, kLabels, {"0", "1", "2", "3", "4", "5"}, 3, 2);
  const auto json = tl::to_json(report);
  ASSERT_EQ(json["highest_losses"].size(), 2u);
  EXPECT_EQ(json["highest_losses"][0]["path"], "4");  // true c scored 0.1 of 1.0
  EXPECT_EQ(json["highest_losses"][0]["true"], "c");
  EXPECT_EQ(json["highest_losses"][0]["predicted"], "a");
}

TEST(ClassificationReport, HeatMapsOfTheHighestLossesComeBackFromJsonAndBadOnesAreNamed) {
  auto report = tl::make_classification_report(kScores, kLabels, kNames, 2);
  report.highest_losses = tl::highest_losses(kScores, kLabels, {"0", "1", "2", "3", "4", "5"}, 3, 1);
  tl::HeatMap map;
  map.rows = 2;
  map.cols = 3;
  map.values = {0.0f, 0.25f, 1.0f, 0.5f, 0.0f, 0.75f};
  map.region = {0.1, 0.0, 0.8, 1.0};
  report.highest_losses[0].predicted_heat_map = map;
  report.highest_losses[0].true_heat_map = map;
  const auto json = tl::to_json(report);
  const auto back = tl::classification_report_from_json(json, "eval_test.json");
  ASSERT_TRUE(back.highest_losses[0].true_heat_map);
  EXPECT_EQ(back.highest_losses[0].true_heat_map->values, map.values);
  EXPECT_EQ(back.highest_losses[0].true_heat_map->region, map.region);

  const auto error_of = [&](const char* field, const nlohmann::json& value) {
    nlohmann::json broken = json;
    broken["highest_losses"][0]["heat_maps"]["predicted"][field] = value;
    try {
      tl::classification_report_from_json(broken, "eval_test.json");
    } catch (const tl::Error& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of("values", {1, 2}),
            "eval_test.json: highest_losses[0].heat_maps.predicted.values: expected rows x cols = 6 numbers");
  EXPECT_NE(error_of("values", {0, 0, 0, 0, 0, 2}).find("expected numbers in [0, 1]"), std::string::npos);
  EXPECT_NE(error_of("region", {0, 0, 1}).find("heat_maps.predicted.region"), std::string::npos);
  EXPECT_NE(error_of("rows", 0).find("heat_maps.predicted.rows"), std::string::npos);
}

}  // namespace
