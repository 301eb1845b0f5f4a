#pragma once
// TrainingStage: one stage of a training run (see Stage): its optimizer and learning-rate schedule,
// and one call per epoch. A run is the head stage, then optionally the fine-tuning stage; the
// trainer moves from one to the next and owns everything that outlives a stage.
#include <cstdint>
#include <functional>
#include <optional>

#include <nlohmann/json.hpp>
#include <torch/optim/optimizer.h>

#include "tl/run/label_issues.hpp"
#include "tl/train/training_state.hpp"

namespace tl {

// An epoch's training loss and accuracy, and the validation figures of the head (and backbone) it
// left: zero samples without a validation split.
struct EpochOutcome {
  EpochResult trained;
  EpochResult validated;
};

class TrainingStage {
 public:
  virtual ~TrainingStage() = default;
  virtual Stage kind() const = 0;
  // The head's learning rate at the start of the stage's epoch `stage_epoch`; none for a stage that
  // solves rather than steps.
  virtual std::optional<double> learning_rate(int stage_epoch) const = 0;
  // Called after each batch with how many of the epoch's batches are done, for a progress bar.
  using BatchDone = std::function<void(int64_t done, int64_t total)>;
  // Trains one epoch: `epoch` counts from the start of the run, `stage_epoch` from the start of the
  // stage. Returns its training figures and the validation figures of the model it left.
  virtual EpochOutcome run_epoch(int epoch, int stage_epoch, const BatchDone& batch_done) = 0;
  // The optimizer whose state a checkpoint keeps for resuming; null for a stage without one.
  virtual torch::optim::Optimizer* optimizer() = 0;
  // What the stage adds to the summary's section of its own (fine_tune); an empty object if nothing.
  virtual nlohmann::json report() const { return nlohmann::json::object(); }
  // Class probabilities of each image the stage fitted, from a fit that did not see it (k-fold), for
  // the training images and then the validation images if they were fitted too; paths are left to the
  // caller, which knows the dataset. Nothing from a stage without such fits.
  virtual std::optional<OutOfFoldProbabilities> out_of_fold() const { return std::nullopt; }
};

}  // namespace tl
