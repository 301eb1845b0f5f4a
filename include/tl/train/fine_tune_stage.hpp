#pragma once
// FineTuneStage: the chosen top of the backbone trains with the head (train.fine_tune), one optimizer
// of two parameter groups (the backbone's rate = the head's x backbone_lr_multiplier), the schedule
// restarted for the stage. Each epoch ends by scoring the validation images through the backbone as
// tuned, never from the feature cache, since the backbone is no longer the file the cache is keyed by.
//
// Where the backbone can be cut before its first unfrozen block (train.fine_tune.cache_prefix, on by
// default; see Backbone::split_frozen_prefix), the activations entering that block are computed once
// per image (per cached view with augmentation: epoch e trains on view e % views, as the head stage)
// and kept in memory, and in the feature cache beside the features; each step then runs only the
// unfrozen blocks and the head. Otherwise images go through the whole backbone every step, with fresh
// augmented views each epoch when augmentation is on.
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "tl/config/train_options.hpp"
#include "tl/data/dataset.hpp"
#include "tl/data/skipped_files.hpp"
#include "tl/features/backbone.hpp"
#include "tl/model/head.hpp"
#include "tl/model/lr_schedule.hpp"
#include "tl/train/epoch_steps.hpp"
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
  std::optional<double> learning_rate(int stage_epoch) const override { return schedule_.at(stage_epoch); }
  EpochOutcome run_epoch(int epoch, int stage_epoch, const BatchDone& batch_done) override;
  torch::optim::Optimizer* optimizer() override { return optimizer_.get(); }
  // The frozen prefix: where the backbone was cut and what its passes cost, or why it was not cut.
  nlohmann::json report() const override;

 private:
  // One step's share of this rank: its labels, and its logits when the step asks for them.
  struct StepBatch {
    torch::Tensor labels;
    std::function<torch::Tensor()> logits;
  };
  // An epoch's batches, in order: how many, and the next (nothing after the last).
  struct EpochBatches {
    int64_t count = 0;
    std::function<std::optional<StepBatch>()> next;
  };

  void average_statistics_across_ranks();
  void choose_frozen_prefix();
  // Images decoded and run through the whole backbone, in fresh augmented views each epoch.
  EpochBatches batches_through_backbone(int epoch, const EpochSteps& steps);
  // The frozen prefix's activations of the epoch's cached view, run through the unfrozen blocks.
  EpochBatches batches_from_prefix(int epoch, const EpochSteps& steps);
  LabelledFeatures validation_from_prefix();
  // The prefix activations of the training images in cached view `view`, [rows, ...] on the CPU.
  const torch::Tensor& prefix_view(int view);
  ImageEmbedding prefix_embedding();
  std::string prefix_cache_note() const;
  // A prefix pass's rows as [rows, activation_shape...], its cost counted for the report.
  torch::Tensor unflattened(const FeatureSet& pass);
  void check_interrupt(int epoch) const;

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

  std::optional<FrozenPrefix> prefix_;
  std::string prefix_not_used_;                            // why, when prefix_ is empty
  int64_t prefix_memory_budget_ = 0;                       // bytes of activations kept in memory
  std::list<std::pair<int, torch::Tensor>> prefix_views_;  // most recently used first
  torch::Tensor validation_prefix_;
  double prefix_seconds_ = 0;
  int64_t prefix_images_ = 0, prefix_computed_ = 0;
};

}  // namespace tl
