#pragma once
// FineTuneStage: the chosen top of the backbone trains with the head (train.fine_tune), one optimizer
// of two parameter groups (the backbone's rate = the head's x backbone_lr_multiplier), the schedule
// restarted for the stage. Images go through the backbone every step, with fresh augmented views
// each epoch when augmentation is on; validation features are recomputed after every epoch, never
// cached, since the backbone is no longer the file the cache is keyed by.
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "tl/config/train_options.hpp"
#include "tl/data/dataset.hpp"
#include "tl/data/skipped_files.hpp"
#include "tl/features/backbone.hpp"
#include "tl/train/head.hpp"
#include "tl/train/lr_schedule.hpp"
#include "tl/train/training_features.hpp"
#include "tl/train/training_stage.hpp"

namespace tl {

class FineTuneStage : public TrainingStage {
 public:
  // Unfreezes `unfrozen` (parameter names of the backbone) and builds the optimizer. Everything
  // passed by reference must outlive the stage. `class_weights` may be undefined.
  FineTuneStage(Backbone& backbone, Head& head, const Dataset& dataset, TrainingFeatures& features,
                const TrainConfig& config, const std::vector<std::string>& unfrozen, torch::Tensor class_weights,
                uint64_t seed, SkippedFiles& skipped);

  Stage kind() const override { return Stage::fine_tune; }
  double learning_rate(int stage_epoch) const override { return schedule_.at(stage_epoch); }
  EpochResult run_epoch(int epoch, int stage_epoch, const BatchDone& batch_done) override;
  torch::optim::Optimizer& optimizer() override { return *optimizer_; }

 private:
  void average_statistics_across_ranks();

  Backbone& backbone_;
  Head& head_;
  const Dataset& dataset_;
  TrainingFeatures& features_;
  const TrainConfig& config_;
  torch::Tensor class_weights_;
  uint64_t seed_;
  SkippedFiles& skipped_;
  std::vector<torch::Tensor> trained_;  // head and unfrozen backbone parameters, for clipping
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  LrSchedule schedule_;
  LoaderOptions loader_;
};

}  // namespace tl
