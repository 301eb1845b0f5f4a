// The trainer in-process, on a tiny backbone and synthetic photos: which epoch becomes best.pt, early
// stopping, the change from the head stage to fine-tuning, and resume from last.pt giving exactly the
// numbers of an uninterrupted run. (Signals, exit codes and the command line: tests/cli.)
#include "tl/train/trainer.hpp"

#include <fstream>
#include <functional>
#include <sstream>

#include <gtest/gtest.h>

#include "support/fixtures.hpp"
#include "support/temp_directory.hpp"
#include "tl/base/interruption.hpp"
#include "tl/config/experiment.hpp"
#include "tl/model/checkpoint.hpp"
#include "tl/run/label_issues.hpp"

namespace {

using tl::testing::TempDirectory;

std::vector<nlohmann::json> metrics_of(const std::filesystem::path& run) {
  std::vector<nlohmann::json> lines;
  std::ifstream file(run / "metrics.jsonl");
  for (std::string line; std::getline(file, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

nlohmann::json summary_of(const std::filesystem::path& run) {
  std::ifstream file(run / "summary.json");
  return nlohmann::json::parse(file);
}

class Trainer : public ::testing::Test {
 protected:
  void SetUp() override {
    tl::testing::make_image_folder(dir / "data", {"blue", "red", "green"}, 12, 32);
    tl::clear_interrupt();
  }
  void TearDown() override { tl::clear_interrupt(); }

  // The synthetic experiment with `changes` merged in (a JSON object of sections).
  tl::Experiment experiment(const std::string& run_name, const nlohmann::json& changes = nlohmann::json::object()) {
    nlohmann::json config = {
        {"name", "synthetic"},
        {"seed", 5},
        {"threads", 1},
        {"cache", "off"},
        {"data",
         {{"layout", "image_folder"},
          {"root", (dir / "data").string()},
          {"val_fraction", 0.25},
          {"test_fraction", 0.0},
          {"batch_size", 8},
          {"workers", 1}}},
        {"model", {{"backbone", (tl::testing::tiny_backbones() / "tiny.pt").string()}, {"head", {{"type", "linear"}}}}},
        {"train", {{"epochs", 8}, {"batch_size", 4}, {"optimizer", {{"name", "adam"}, {"lr", 0.05}}}}},
        {"output", {{"dir", (dir / run_name).string()}}}};
    config.merge_patch(changes);
    return tl::load_experiment(tl::ConfigSource::from_json(config, "trainer_test", dir.path()));
  }

  TempDirectory dir;
};

TEST_F(Trainer, BestCheckpointIsTheEpochWithTheLowestValidationLoss) {
  const nlohmann::json summary = tl::train(experiment("run")).to_json();
  const auto lines = metrics_of(dir / "run");
  ASSERT_EQ(lines.size(), 8u);
  size_t best = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i]["val_loss"] < lines[best]["val_loss"]) best = i;
  }
  EXPECT_EQ(summary["best_epoch"], best + 1);
  EXPECT_EQ(summary["selected_by"], "val_loss");
  EXPECT_EQ(summary_of(dir / "run"), summary);
  EXPECT_EQ(tl::load_checkpoint(dir / "run/best.pt", torch::kCPU).record.epoch, static_cast<int>(best) + 1);
  const tl::LoadedCheckpoint last = tl::load_checkpoint(dir / "run/last.pt", torch::kCPU);
  EXPECT_EQ(last.record.epoch, 8);
  EXPECT_EQ(last.record.training_state["epoch"], 8);
  EXPECT_EQ(last.record.training_state["best_metrics"]["epoch"], best + 1);
  EXPECT_GT(summary["best"]["val_accuracy"].get<double>(), 0.9) << "the colours are easy to tell apart";
}

TEST_F(Trainer, EarlyStoppingEndsTheRun) {
  const nlohmann::json summary =
      tl::train(
          experiment(
              "run",
              {{"train", {{"optimizer", {{"lr", 1e-9}}}, {"early_stopping", {{"patience", 2}, {"min_delta", 0.01}}}}}}))
          .to_json();
  EXPECT_EQ(metrics_of(dir / "run").size(), 3u) << "the first epoch, then two without improvement";
  EXPECT_EQ(summary["stopped_early"], true);
  EXPECT_EQ(summary["epochs"], 3);
  EXPECT_EQ(summary["epochs_configured"], 8);
}

const nlohmann::json kFineTune = {
    {"train", {{"epochs", 3}, {"fine_tune", {{"epochs", 3}, {"unfreeze", {"bn"}}, {"bn", "train"}, {"lr", 0.01}}}}}};

TEST_F(Trainer, FineTuningFollowsTheHeadStageWithItsOwnSchedule) {
  const nlohmann::json summary = tl::train(experiment("run", kFineTune)).to_json();
  const auto lines = metrics_of(dir / "run");
  ASSERT_EQ(lines.size(), 6u);
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i]["stage"], i < 3 ? "head" : "fine_tune") << i;
  EXPECT_DOUBLE_EQ(lines[0]["lr"].get<double>(), 0.05) << "cosine starts at the head's rate";
  EXPECT_DOUBLE_EQ(lines[3]["lr"].get<double>(), 0.01) << "and restarts at fine_tune.lr";
  EXPECT_EQ(summary["fine_tune"]["epochs_run"], 3);
  EXPECT_FALSE(tl::load_checkpoint(dir / "run/last.pt", torch::kCPU).backbone_state.empty())
      << "the tuned tensors travel with the checkpoint";
}

// The frozen prefix (the convolution before the unfrozen BatchNorm) computed once gives the numbers of
// the whole backbone run every step, within float tolerance: same batches, same BatchNorm batch
// statistics, same tuned tensors.
TEST_F(Trainer, FineTuningFromTheCachedPrefixMatchesTheWholeBackboneEveryStep) {
  nlohmann::json whole = kFineTune;
  whole["train"]["fine_tune"]["cache_prefix"] = false;
  const nlohmann::json from_prefix = tl::train(experiment("prefix", kFineTune)).to_json();
  const nlohmann::json every_step = tl::train(experiment("whole", whole)).to_json();
  EXPECT_EQ(from_prefix["fine_tune"]["frozen_prefix"]["used"], true);
  EXPECT_EQ(from_prefix["fine_tune"]["frozen_prefix"]["cut"], "bn");
  EXPECT_EQ(from_prefix["fine_tune"]["frozen_prefix"]["activation_shape"], nlohmann::json({8, 16, 16}));
  EXPECT_EQ(every_step["fine_tune"]["frozen_prefix"],
            nlohmann::json({{"used", false}, {"reason", "train.fine_tune.cache_prefix is false"}}));

  const auto expected = metrics_of(dir / "whole"), actual = metrics_of(dir / "prefix");
  ASSERT_EQ(actual.size(), 6u);
  ASSERT_EQ(expected.size(), 6u);
  for (size_t i = 0; i < expected.size(); ++i) {
    for (const char* key : {"train_loss", "val_loss"}) {
      const double want = expected[i][key];
      EXPECT_NEAR(actual[i][key].get<double>(), want, 1e-4 * std::max(1.0, std::abs(want))) << "epoch " << i + 1 << key;
    }
    EXPECT_EQ(actual[i]["val_accuracy"], expected[i]["val_accuracy"]) << "epoch " << i + 1;
  }
  const auto tuned = tl::load_checkpoint(dir / "prefix/last.pt", torch::kCPU).backbone_state;
  const auto reference = tl::load_checkpoint(dir / "whole/last.pt", torch::kCPU).backbone_state;
  ASSERT_EQ(tuned.size(), reference.size());
  for (size_t i = 0; i < tuned.size(); ++i) {
    EXPECT_EQ(tuned[i].first, reference[i].first);
    if (tuned[i].second.is_floating_point()) {
      EXPECT_TRUE(torch::allclose(tuned[i].second, reference[i].second, 1e-4, 1e-5)) << tuned[i].first;
    }
  }
}

// Trains `changes` whole, then again stopped (as by Ctrl-C) after `stop_after` epochs, its
// metrics.jsonl then changed by `damage` (if given), and resumed from last.pt: every metric of every
// epoch must be equal.
void expect_resume_to_match(Trainer& test, tl::Experiment whole, tl::Experiment stopped, int stop_after,
                            const std::function<void(const std::filesystem::path&)>& damage = {}) {
  tl::train(whole);
  tl::TrainingOptions options;
  options.on_epoch_end = [&](const tl::EpochMetrics& line) {
    if (line.epoch == stop_after) tl::request_interrupt();
  };
  EXPECT_THROW(tl::train(stopped, options), tl::Interrupted);
  EXPECT_EQ(metrics_of(stopped.run_directory).size(), static_cast<size_t>(stop_after));
  tl::clear_interrupt();
  if (damage) damage(stopped.run_directory / "metrics.jsonl");
  tl::TrainingOptions resume;
  resume.resume = true;
  tl::train(stopped, resume);

  const auto expected = metrics_of(whole.run_directory), actual = metrics_of(stopped.run_directory);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    for (const char* key : {"epoch", "stage", "lr", "train_loss", "train_accuracy", "val_loss", "val_accuracy"}) {
      EXPECT_EQ(actual[i][key], expected[i][key]) << "epoch " << i + 1 << " " << key;
    }
  }
  const nlohmann::json resumed_summary = summary_of(stopped.run_directory),
                       whole_summary = summary_of(whole.run_directory);
  for (const char* key : {"best_epoch", "epochs", "stopped_early"})
    EXPECT_EQ(resumed_summary[key], whole_summary[key]) << key;
  for (const char* key : {"val_accuracy", "val_loss", "train_loss"}) {
    EXPECT_EQ(resumed_summary["best"][key], whole_summary["best"][key]) << key;
  }
  (void)test;
}

TEST_F(Trainer, ResumeFromLastCheckpointEqualsAnUninterruptedRun) {
  // Dropout and shuffling draw random numbers every epoch: the generator state must come back too.
  const nlohmann::json mlp = {{"model", {{"head", {{"type", "mlp"}, {"hidden", {16}}, {"dropout", 0.3}}}}},
                              {"train", {{"early_stopping", {{"patience", 4}}}}}};
  expect_resume_to_match(*this, experiment("whole", mlp), experiment("stopped", mlp), 3);
}

// A last line cut short (as a full disk or another tool leaves it) once blocked the resume, although
// last.pt holds that epoch's line.
TEST_F(Trainer, ATornLastMetricsLineIsRestoredFromLastPtOnResume) {
  expect_resume_to_match(*this, experiment("whole"), experiment("stopped"), 3, [](const std::filesystem::path& file) {
    std::string text = tl::testing::read_file(file);
    text.resize(text.size() - 30);
    tl::testing::write_file(file, text);
  });
}

TEST_F(Trainer, ResumeAcrossTheStageChangeEqualsAnUninterruptedRun) {
  nlohmann::json changes = kFineTune;
  changes["train"]["augmentation"] = {{"horizontal_flip", true}};
  changes["train"]["sampling"] = "balanced";
  // Stopped at the last head epoch: the resumed run must enter fine-tuning itself.
  expect_resume_to_match(*this, experiment("whole", changes), experiment("at_change", changes), 3);
  // Stopped inside fine-tuning: tuned tensors, both optimizer groups and BatchNorm statistics return.
  expect_resume_to_match(*this, experiment("whole2", changes), experiment("in_fine_tune", changes), 5);
}

nlohmann::json logistic_head(const nlohmann::json& head = nlohmann::json::object()) {
  nlohmann::json changes = {{"model", {{"head", {{"type", "logistic"}}}}},
                            {"train", {{"epochs", nullptr}, {"batch_size", nullptr}, {"optimizer", nullptr}}}};
  changes["model"]["head"].merge_patch(head);
  return changes;
}

// The logistic head's one epoch is the solve: the grid is recorded with its validation scores, the
// choice is the best of them, and after the refit the line's validation figures are those the
// chosen strength had while the validation images were still held out.
TEST_F(Trainer, LogisticHeadChoosesItsPenaltyOnValidationAndRefits) {
  const nlohmann::json summary = tl::train(experiment("run", logistic_head({{"l2", {1e-4, 1e-2, 1.0}}}))).to_json();
  const auto lines = metrics_of(dir / "run");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["stage"], "head");
  EXPECT_TRUE(lines[0]["lr"].is_null()) << "a solve has no learning rate";
  const nlohmann::json& fit = summary["head_fit"];
  ASSERT_EQ(fit["l2_grid"].size(), 3u);
  nlohmann::json best;
  for (const auto& trial : fit["l2_grid"]) {
    if (best.is_null() || trial["score"] > best["score"] ||
        (trial["score"] == best["score"] && trial["val_loss"] < best["val_loss"])) {
      best = trial;
    }
  }
  EXPECT_EQ(fit["chosen_l2"], best["l2"]);
  EXPECT_EQ(fit["refit_on_train_and_val"], true);
  EXPECT_EQ(fit["fitted_rows"], summary["samples"]["train"].get<int>() + summary["samples"]["val"].get<int>());
  EXPECT_DOUBLE_EQ(lines[0]["val_accuracy"].get<double>(), best["val_accuracy"].get<double>());
  EXPECT_EQ(summary["best_epoch"], 1);
  const tl::LoadedCheckpoint checkpoint = tl::load_checkpoint(dir / "run/best.pt", torch::kCPU);
  EXPECT_EQ(checkpoint.record.head.type, tl::HeadType::logistic);
  EXPECT_EQ(checkpoint.head->linear_layers().size(), 1u);
  EXPECT_GT(lines[0]["train_accuracy"].get<double>(), 1.0 / 3) << "better than chance on the synthetic colours";
}

// train.folds: the strength is chosen out of fold over training and validation images together, and
// the head is then fitted on all of them; a red photo filed under green is the first label issue.
TEST_F(Trainer, LogisticHeadChoosesItsPenaltyByKFold) {
  std::filesystem::rename(dir / "data/red/0.jpg", dir / "data/green/red_among_green.jpg");
  nlohmann::json changes = logistic_head({{"l2", {1e-4, 1e-2, 1.0}}});
  changes["train"]["folds"] = 3;
  const nlohmann::json summary = tl::train(experiment("run", changes)).to_json();
  const nlohmann::json& fit = summary["head_fit"];
  EXPECT_EQ(fit["folds"], 3);
  EXPECT_EQ(fit["chosen_on"], "3 folds, out-of-fold");
  const int images = summary["samples"]["train"].get<int>() + summary["samples"]["val"].get<int>();
  EXPECT_EQ(fit["fitted_rows"], images);
  ASSERT_EQ(fit["l2_grid"].size(), 3u);
  for (const auto& trial : fit["l2_grid"]) {
    ASSERT_EQ(trial["fold_scores"].size(), 3u);
    double mean = 0;
    for (const auto& score : trial["fold_scores"]) mean += score.get<double>() / 3;
    // Pooled over folds of sizes within one image of each other: near the mean of the folds' scores.
    EXPECT_NEAR(trial["score"].get<double>(), mean, 0.05);
  }
  EXPECT_TRUE(fit.contains("held_out_calibration")) << "temperature from out-of-fold logits";

  // With augmented views too: each image's views are one row of the list, in the image's fold.
  nlohmann::json augmented = changes;
  augmented["train"]["augmentation"] = {{"horizontal_flip", true}, {"views", 2}};
  tl::train(experiment("augmented", augmented));
  for (const char* run : {"run", "augmented"}) {
    const std::optional<tl::LabelIssues> issues = tl::read_label_issues(dir / run);
    ASSERT_TRUE(issues) << run;
    EXPECT_EQ(issues->folds, 3);
    EXPECT_EQ(issues->images_checked, images) << run;
    ASSERT_FALSE(issues->issues.empty()) << run;
    const tl::LabelIssue& first = issues->issues.front();
    EXPECT_EQ(std::filesystem::path(first.path).filename(), "red_among_green.jpg") << run;
    EXPECT_EQ(issues->classes[static_cast<size_t>(first.given)], "green") << run;
    EXPECT_EQ(issues->classes[static_cast<size_t>(first.suggested)], "red") << run;
  }
  EXPECT_FALSE(tl::read_label_issues(dir / "nowhere")) << "a run without k-fold has no label issues";
}

// train.class_weights reaches the solve: on data where one class is rare, balanced weights change the fit.
TEST_F(Trainer, LogisticHeadWeighsItsLossByClassWeights) {
  for (int i = 0; i < 8; ++i) std::filesystem::remove(dir / "data/green" / (std::to_string(i) + ".jpg"));
  nlohmann::json plain = logistic_head({{"l2", {0.01}}});
  nlohmann::json weighted = plain;
  weighted["train"]["class_weights"] = "balanced";
  const nlohmann::json unweighted_fit = tl::train(experiment("plain", plain)).to_json()["head_fit"];
  const nlohmann::json weighted_fit = tl::train(experiment("weighted", weighted)).to_json()["head_fit"];
  ASSERT_EQ(unweighted_fit["l2_grid"].size(), 1u);
  EXPECT_NE(weighted_fit["l2_grid"][0]["val_loss"], unweighted_fit["l2_grid"][0]["val_loss"]);
}

// Fine-tuning after a logistic head keeps the validation images held out (no refit), starts from the
// solved head, and a run resumed in the fine-tuning stage still reports what the solve chose.
TEST_F(Trainer, FineTuningFollowsALogisticHeadAndResumes) {
  nlohmann::json changes = logistic_head({{"l2", {1e-3, 1e-1}}});
  changes["train"] = {{"epochs", nullptr}, {"fine_tune", kFineTune["train"]["fine_tune"]}};
  expect_resume_to_match(*this, experiment("whole", changes), experiment("stopped", changes), 2);
  const nlohmann::json summary = summary_of(dir / "stopped");
  const nlohmann::json whole_fit = summary_of(dir / "whole")["head_fit"];
  EXPECT_EQ(summary["head_fit"]["l2_grid"], whole_fit["l2_grid"]);
  EXPECT_EQ(summary["head_fit"]["chosen_l2"], whole_fit["chosen_l2"]);
  EXPECT_EQ(summary["head_fit"]["refit_on_train_and_val"], false);
  EXPECT_EQ(summary["epochs"], 4);
  const auto lines = metrics_of(dir / "stopped");
  EXPECT_EQ(lines[1]["stage"], "fine_tune");
}

// Trains until the interruption the options ask for; its message ("" if none came).
std::string interruption_message(const tl::Experiment& run, const tl::TrainingOptions& options = {}) {
  std::string message;
  try {
    tl::train(run, options);
  } catch (const tl::Interrupted& interrupted) {
    message = interrupted.what();
  }
  tl::clear_interrupt();
  return message;
}

int epochs_after_resuming(const tl::Experiment& run) {
  tl::TrainingOptions resume;
  resume.resume = true;
  return tl::train(run, resume).epochs;
}

// Ctrl-C during the backbone pass (asked before it starts, so the first batch sees it): the message
// says how to continue, and that continuing works.
TEST_F(Trainer, AnInterruptedBackbonePassSaysHowToResume) {
  const tl::Experiment run = experiment("run");
  tl::request_interrupt();
  const std::string message = interruption_message(run);
  EXPECT_NE(message.find("the backbone pass interrupted (Ctrl-C)"), std::string::npos) << message;
  EXPECT_NE(message.find("continue with tl-train --resume " + run.run_directory.string()), std::string::npos)
      << message;
  EXPECT_EQ(epochs_after_resuming(run), 8);
}

TEST_F(Trainer, AnInterruptedEpochSaysWhichCheckpointHoldsIt) {
  const tl::Experiment run = experiment("run");
  tl::TrainingOptions options;
  options.on_epoch_end = [](const tl::EpochMetrics& line) {
    if (line.epoch == 2) tl::request_interrupt();
  };
  const std::string message = interruption_message(run, options);
  EXPECT_NE(message.find("after epoch 2 of 8; " + (run.run_directory / "last.pt").string() + " holds epoch 2"),
            std::string::npos)
      << message;
}

// Fine-tuning epochs are long: Ctrl-C stops one between batches, and says which checkpoint holds
// the last whole epoch.
TEST_F(Trainer, AnInterruptedFineTuningEpochStopsBetweenBatchesAndResumes) {
  const tl::Experiment run = experiment("run", kFineTune);
  tl::TrainingOptions options;
  int batches_after_request = -1;
  options.on_batch_end = [&](int epoch, int64_t done, int64_t) {
    if (batches_after_request >= 0) ++batches_after_request;
    if (epoch == 5 && done == 1) {
      tl::request_interrupt();
      batches_after_request = 0;
    }
  };
  const std::string message = interruption_message(run, options);
  EXPECT_NE(message.find("fine-tuning epoch 5 interrupted (Ctrl-C); " + (run.run_directory / "last.pt").string() +
                         " holds epoch 4: continue with tl-train --resume"),
            std::string::npos)
      << message;
  EXPECT_EQ(batches_after_request, 0) << "no batch ran after the request";
  EXPECT_EQ(metrics_of(run.run_directory).size(), 4u);
  EXPECT_EQ(epochs_after_resuming(run), 6);
}

TEST_F(Trainer, ResumeRefusesACheckpointWithoutTrainingState) {
  const tl::Experiment run = experiment("run");
  tl::train(run);
  tl::LoadedCheckpoint last = tl::load_checkpoint(dir / "run/last.pt", torch::kCPU);
  last.record.training_state = nullptr;  // as tl wrote it before the state was saved
  tl::save_checkpoint(dir / "run/last.pt", last.head, nullptr, last.record);
  EXPECT_EQ(tl::load_checkpoint(dir / "run/last.pt", torch::kCPU).record.epoch, 8) << "still loads for inference";
  std::filesystem::remove(dir / "run/summary.json");  // as if stopped after last.pt
  tl::TrainingOptions resume;
  resume.resume = true;
  try {
    tl::train(run, resume);
    FAIL() << "expected an error";
  } catch (const tl::Error& error) {
    EXPECT_NE(std::string(error.what()).find("last.pt: has no training state"), std::string::npos) << error.what();
  }
}

// Resume continues only the run that wrote last.pt: an edited config, changed data or a finished run
// were all resumed with exit 0 (a test split recomputed from a new seed, metric lines overwritten).
// Where and how fast it runs may change.
TEST_F(Trainer, ResumeRefusesAnotherRunsSettingsOrDataAndAFinishedRun) {
  const tl::Experiment run = experiment("run");
  EXPECT_EQ(interruption_message(run,
                                 [] {
                                   tl::TrainingOptions options;
                                   options.on_epoch_end = [](const tl::EpochMetrics& line) {
                                     if (line.epoch == 2) tl::request_interrupt();
                                   };
                                   return options;
                                 }())
                .empty(),
            false);
  tl::TrainingOptions resume;
  resume.resume = true;
  const auto resume_error = [&](const tl::Experiment& changed) {
    try {
      tl::train(changed, resume);
    } catch (const tl::Error& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  const std::string other_settings =
      resume_error(experiment("run", {{"seed", 6}, {"train", {{"optimizer", {{"lr", 0.1}}}}}}));
  EXPECT_NE(other_settings.find("last.pt: was written by another run than the one to resume: seed: 5 then, 6 now; "
                                "train.optimizer.lr: 0.05 then, 0.1 now"),
            std::string::npos)
      << other_settings;
  std::filesystem::copy_file(dir / "data/blue/0.jpg", dir / "data/blue/another.jpg");
  const std::string other_data = resume_error(run);
  EXPECT_NE(other_data.find("the split (files were added, removed or renamed"), std::string::npos) << other_data;
  std::filesystem::remove(dir / "data/blue/another.jpg");

  EXPECT_EQ(resume_error(experiment("run", {{"threads", 2}, {"data", {{"batch_size", 3}}}})), "no error")
      << "threads and the backbone's batch size change only the speed";
  EXPECT_EQ(metrics_of(run.run_directory).size(), 8u);
  const std::string finished = resume_error(run);
  EXPECT_NE(finished.find("this run has finished (it has its summary.json): there is nothing to resume"),
            std::string::npos)
      << finished;
}

}  // namespace
