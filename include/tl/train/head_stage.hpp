#pragma once
// HeadStage: the head trains on cached features of the frozen backbone; epoch e uses augmented view
// e mod views. Batches follow the seeded epoch order (train.sampling), so a resumed run repeats them.
#include <memory>

#include <torch/types.h>

#include "tl/config/train_options.hpp"
#include "tl/model/head.hpp"
#include "tl/model/lr_schedule.hpp"
#include "tl/train/training_features.hpp"
#include "tl/train/training_stage.hpp"

namespace tl {

class HeadStage : public TrainingStage {
 public:
  // The head, features and config must outlive the stage. `class_weights` may be undefined.
  HeadStage(Head& head, TrainingFeatures& features, const TrainConfig& config, torch::Tensor class_weights,
            uint64_t seed);

  Stage kind() const override { return Stage::head; }
  std::optional<double> learning_rate(int stage_epoch) const override { return schedule_.at(stage_epoch); }
  EpochOutcome run_epoch(int epoch, int stage_epoch, const BatchDone& batch_done) override;
  torch::optim::Optimizer* optimizer() override { return optimizer_.get(); }

 private:
  Head& head_;
  TrainingFeatures& features_;
  const TrainConfig& config_;
  torch::Tensor class_weights_;
  uint64_t seed_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  LrSchedule schedule_;
};

}  // namespace tl
