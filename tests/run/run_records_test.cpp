// The records of a run (summary.json, eval_<split>.json, metrics.jsonl lines): what tl-train and
// tl-eval write reads back unchanged, files of earlier tl versions still read, and a file that is
// damaged or from a newer tl is an error naming the file and the field.
#include <fstream>

#include <gtest/gtest.h>

#include "support/error_of.hpp"
#include "support/shared_data.hpp"
#include "support/temp_directory.hpp"
#include "tl/base/error.hpp"
#include "tl/run/epoch_metrics.hpp"
#include "tl/run/evaluation_record.hpp"
#include "tl/run/run_directory.hpp"
#include "tl/run/run_summary.hpp"

namespace {

using tl::testing::error_of;

std::filesystem::path fixture(const std::string& name) { return tl::testing::tests_dir() / "run/fixtures" / name; }

tl::RunSummary finished_summary() {
  tl::RunSummary summary;
  summary.name = "pets";
  summary.tl_version = "0.4.0";
  summary.tl_commit = "abc123";
  summary.command_line = "tl-train --config pets.yaml";
  summary.run_directory = "runs/pets";
  summary.classes = {"cat", "dog"};
  summary.samples = {10, 4, 6};
  summary.class_counts = {{5, 5}, {2, 2}, {3, 3}};
  summary.skipped_files = 1;
  summary.epochs = 3;
  summary.epochs_configured = 5;
  summary.stopped_early = true;
  summary.best_epoch = 2;
  summary.selected_by = "val_accuracy";
  summary.best = {2, "head", 0.01, 0.4, 0.8, 0.5, 0.75, 0.2, 50};
  summary.last = {3, "fine_tune", std::nullopt, 0.3, 0.9, std::nullopt, std::nullopt, 0.2, 50};
  summary.augmentation = {{"views", 2}, {"settings", "flip"}};
  summary.head_fit = {{"chosen_l2", 0.01}};
  summary.fine_tune = {{"epochs_run", 1}};
  summary.eval_tta = "flip";
  summary.feature_extraction = {14, 10, 4, 0.5, 28, "/cache", 1};
  summary.backbone.parts = {{"a.pt", "aa", 8}, {"b.pt", "bb", 4}};
  summary.device = "cpu";
  summary.cpu_threads = 2;
  summary.ranks = 2;
  summary.trained_parameters = 26;
  summary.seconds = 3.5;
  return summary;
}

TEST(RunSummary, ReadsBackWhatItWrites) {
  const nlohmann::json written = finished_summary().to_json();
  EXPECT_EQ(written["format"], tl::RunSummary::kFormat);
  const tl::RunSummary read = tl::RunSummary::from_json(written, "summary.json");
  EXPECT_EQ(read.to_json(), written);
  EXPECT_EQ(read.backbone.feature_dim(), 12);
  EXPECT_FALSE(read.last.val_accuracy.has_value());
}

TEST(RunSummary, ReadsTheFormatOfEarlierVersions) {
  const tl::RunSummary summary = tl::read_run_summary(fixture("summary_format1.json"));
  EXPECT_EQ(summary.format, 1);
  EXPECT_EQ(summary.epochs, 5);
  EXPECT_EQ(summary.epochs_configured, 5) << "format 1 recorded no plan: as many as ran";
  EXPECT_FALSE(summary.stopped_early);
  EXPECT_EQ(summary.best.stage, "head") << "before fine-tuning every epoch trained the head";
  EXPECT_DOUBLE_EQ(summary.best.val_accuracy.value_or(0), 0.925);
  EXPECT_TRUE(summary.class_counts.train.empty());
  EXPECT_EQ(summary.ranks, 1);
  EXPECT_EQ(summary.backbone.parts.at(0).feature_dim, 1280);
  EXPECT_EQ(summary.to_json()["format"], tl::RunSummary::kFormat) << "written again, it is the current format";
}

TEST(RunSummary, ADamagedOrNewerFileNamesTheFieldOrTheFormat) {
  nlohmann::json written = finished_summary().to_json();
  written["samples"].erase("train");
  EXPECT_EQ(error_of([&] { tl::RunSummary::from_json(written, "run/summary.json"); }),
            "run/summary.json: samples.train: missing, or not an integer");
  written = finished_summary().to_json();
  written["best"]["val_loss"] = "low";
  EXPECT_EQ(error_of([&] { tl::RunSummary::from_json(written, "s.json"); }),
            "s.json: best: val_loss: missing, or not a number");
  written = finished_summary().to_json();
  written.erase("class_counts");
  EXPECT_NE(error_of([&] { tl::RunSummary::from_json(written, "s.json"); }).find("s.json: class_counts: missing"),
            std::string::npos)
      << "optional only in format 1";
  written = finished_summary().to_json();
  written["format"] = tl::RunSummary::kFormat + 1;
  EXPECT_NE(error_of([&] { tl::RunSummary::from_json(written, "s.json"); }).find("written by a newer tl"),
            std::string::npos);
  EXPECT_EQ(error_of([&] { tl::RunSummary::from_json(nlohmann::json::array(), "s.json"); }),
            "s.json: expected an object, found array");
}

tl::EvaluationRecord evaluation() {
  tl::EvaluationRecord record;
  record.run = "runs/pets";
  record.split = "test";
  record.checkpoint = "runs/pets/best.pt";
  record.data_root = "data/pets";
  record.skipped = nlohmann::json::array({{{"path", "bad.jpg"}, {"reason", "empty file"}}});
  record.report = tl::make_classification_report({0.9F, 0.1F, 0.3F, 0.7F, 0.6F, 0.4F}, {0, 1, 1}, {"cat", "dog"});
  record.report.highest_losses = {{"x.jpg", 1, 0, 0.6, 0.4, 0.92}};
  record.report.tta = "flip";
  return record;
}

TEST(EvaluationRecord, ReadsBackWhatItWrites) {
  const nlohmann::json written = evaluation().to_json();
  EXPECT_EQ(written["format"], tl::EvaluationRecord::kFormat);
  const tl::EvaluationRecord read = tl::EvaluationRecord::from_json(written, "eval_test.json");
  EXPECT_EQ(read.to_json(), written);
  ASSERT_EQ(read.report.highest_losses.size(), 1u);
  EXPECT_EQ(read.report.highest_losses[0].label, 1);
  EXPECT_EQ(read.report.confusion.size(), 3u);
}

TEST(EvaluationRecord, ReadsTheFormatOfEarlierVersions) {
  const tl::EvaluationRecord record = tl::read_evaluation_record(fixture("eval_format1.json"));
  EXPECT_EQ(record.format, 1);
  EXPECT_FALSE(record.lists_highest_losses);
  EXPECT_EQ(record.report.tta, "none");
  ASSERT_EQ(record.report.confusion.size(), 4u) << "read off the dense matrix";
  EXPECT_EQ(record.report.confusion[1].predicted, 1);
  EXPECT_EQ(record.report.confusion[1].count, 2);
  EXPECT_EQ(record.report.classes[1].name, "Dog");
}

TEST(EvaluationRecord, ADamagedFileNamesTheField) {
  nlohmann::json written = evaluation().to_json();
  written["highest_losses"][0]["true"] = "horse";
  EXPECT_EQ(error_of([&] { tl::EvaluationRecord::from_json(written, "e.json"); }),
            "e.json: highest_losses[0].true: \"horse\" is none of the report's classes");
  written = evaluation().to_json();
  written["confusion_matrix"]["cells_true_predicted_count"][0] = {0, 7, 1};
  EXPECT_NE(error_of([&] {
              tl::EvaluationRecord::from_json(written, "e.json");
            }).find("e.json: confusion_matrix.cells_true_predicted_count: expected [true class, predicted class"),
            std::string::npos);
  written = evaluation().to_json();
  written.erase("highest_losses");
  EXPECT_NE(error_of([&] { tl::EvaluationRecord::from_json(written, "e.json"); }).find("highest_losses: missing"),
            std::string::npos)
      << "optional only in format 1";
}

TEST(EpochMetrics, LinesOfEveryVersionReadFromTheRunDirectory) {
  tl::testing::TempDirectory dir;
  std::filesystem::copy_file(fixture("metrics_format1.jsonl"), dir / "metrics.jsonl");
  const tl::RunDirectory run(dir.path());
  run.append_metrics({3, "fine_tune", 0.0001, 0.2, 0.95, 0.3, 0.9, 1.5, 60});
  const std::vector<tl::EpochMetrics> lines = run.load_metrics();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].stage, "head");
  EXPECT_DOUBLE_EQ(lines[0].val_accuracy.value_or(0), 0.85);
  EXPECT_FALSE(lines[1].val_loss.has_value()) << "null: no validation split";
  EXPECT_EQ(lines[2].stage, "fine_tune");

  std::ofstream(dir / "metrics.jsonl", std::ios::app) << R"({"epoch": 4, "train_loss": 0.1})"
                                                      << "\n";
  EXPECT_EQ(error_of([&] { run.load_metrics(); }),
            (dir / "metrics.jsonl").string() + " line 4: train_accuracy: missing, or not a number");
}

}  // namespace
