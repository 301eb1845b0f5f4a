#pragma once
// TrainingState: where a training run stands between epochs, and everything needed to carry on from
// there: epochs done, the current stage and when it began, the best epoch so far and its metrics,
// and the early-stopping counters. It is saved whole inside last.pt, so resuming is "load and
// continue", never a replay of metrics.jsonl. Free of LibTorch.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tl/config/train_options.hpp"
#include "tl/train/early_stopping.hpp"

namespace tl {

// head: the head trains on cached features of the frozen backbone; fine_tune: the top of the
// backbone trains with it (train.fine_tune).
enum class Stage { head, fine_tune };
inline constexpr std::array kStages{Stage::head, Stage::fine_tune};
const char* name_of(Stage stage);

struct EpochResult {
  double loss = 0, accuracy = 0;
  int64_t samples = 0;
};

// Whether `candidate` is a better epoch than `best` by the rule (EpochSelection); without a
// validation split, by the lower training loss.
bool improves(const EpochResult& candidate, const EpochResult& best, bool has_validation, EpochSelection rule);

class TrainingState {
 public:
  TrainingState(EarlyStoppingSettings early_stopping, bool has_validation, EpochSelection selection);

  int epoch() const { return epoch_; }  // epochs completed
  Stage stage() const { return stage_; }
  int stage_epoch() const { return epoch_ - stage_start_; }  // epochs completed in this stage
  bool has_validation() const { return has_validation_; }
  // Whether the stage has run `stage_epochs` epochs or was stopped early.
  bool stage_over(int stage_epochs) const { return stage_epoch() >= stage_epochs || early_stopping_.should_stop(); }
  // Whether any stage ended by early stopping.
  bool stopped_early() const { return stopped_early_ || early_stopping_.should_stop(); }
  const EarlyStopping& early_stopping() const { return early_stopping_; }
  const nlohmann::json& best_metrics() const { return best_metrics_; }  // null before the first epoch
  const nlohmann::json& last_metrics() const { return last_metrics_; }
  const std::optional<EpochResult>& best() const { return best_; }

  // Starts the next stage after the epochs done so far; early stopping starts afresh for it.
  void begin_stage(Stage stage);
  // Counts a finished epoch. `trained` is its training result, `validated` its validation result
  // (ignored without a validation split), `metrics` its metrics line. Returns whether it is the new
  // best epoch.
  bool finish_epoch(const EpochResult& trained, const EpochResult& validated, const nlohmann::json& metrics);

  // What a solved head stage (the logistic head) chose, kept for the summary across a resume; null
  // for heads trained by epochs.
  const nlohmann::json& head_fit() const { return head_fit_; }
  void record_head_fit(nlohmann::json head_fit) { head_fit_ = std::move(head_fit); }

  nlohmann::json to_json() const;
  // Throws tl::Error naming `source` when the state is incomplete or of another format.
  static TrainingState from_json(const nlohmann::json& json, EarlyStoppingSettings early_stopping, bool has_validation,
                                 EpochSelection selection, const std::string& source);

 private:
  int epoch_ = 0;
  Stage stage_ = Stage::head;
  int stage_start_ = 0;
  bool stopped_early_ = false;
  bool has_validation_;
  EpochSelection selection_;
  EarlyStopping early_stopping_;
  EarlyStoppingSettings early_stopping_settings_;
  std::optional<EpochResult> best_;
  nlohmann::json best_metrics_, last_metrics_;
  nlohmann::json head_fit_;
};

}  // namespace tl
