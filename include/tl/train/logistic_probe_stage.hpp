#pragma once
// LogisticProbeStage: the head stage of a logistic head (model.head.type logistic). Its one epoch
// is the solve: the L2 strength chosen on the validation features or by k-fold cross-validation
// (train.folds), the head refitted on training and validation features when train.refit says so (see
// logistic_probe.hpp). With augmentation, every cached view's rows are fitted together.
#include <cstdint>
#include <optional>

#include <torch/types.h>

#include "tl/config/model_options.hpp"
#include "tl/config/train_options.hpp"
#include "tl/model/head.hpp"
#include "tl/run/temperature_fit.hpp"
#include "tl/train/logistic_probe.hpp"
#include "tl/train/training_features.hpp"
#include "tl/train/training_stage.hpp"

namespace tl {

class LogisticProbeStage : public TrainingStage {
 public:
  // The head, features and configs must outlive the stage. `class_weights` may be undefined; `seed`
  // assigns the images to folds with train.folds.
  LogisticProbeStage(Head& head, TrainingFeatures& features, const HeadConfig& head_config, const TrainConfig& config,
                     torch::Tensor class_weights, uint64_t seed);

  Stage kind() const override { return Stage::head; }
  std::optional<double> learning_rate(int) const override { return std::nullopt; }
  // With a refit on training and validation images, the validation figures are those the chosen
  // strength scored while the validation images were held out (out of fold, with train.folds).
  EpochOutcome run_epoch(int epoch, int stage_epoch, const BatchDone& batch_done) override;
  torch::optim::Optimizer* optimizer() override { return nullptr; }
  nlohmann::json report() const override;
  std::optional<OutOfFoldProbabilities> out_of_fold() const override { return out_of_fold_; }

 private:
  EpochResult validation_result() const;
  // Logits of images from fits that did not see them, with the images' labels.
  struct HeldOutLogits {
    torch::Tensor logits, labels;
  };
  // The two ways of choosing the L2 strength: each sets probe_ and returns the held-out logits that
  // temperature scaling is fitted on (undefined without a refit, when the validation images are
  // still held out from the head itself).
  HeldOutLogits fit_on_validation_split(const LabelledFeatures& train);
  HeldOutLogits fit_by_folds(const LabelledFeatures& train);

  Head& head_;
  TrainingFeatures& features_;
  const HeadConfig& head_config_;
  const TrainConfig& config_;
  torch::Tensor class_weights_;
  uint64_t seed_;
  std::optional<LogisticProbe> probe_;
  torch::Tensor validation_logits_;                    // with a refit: the chosen strength's, from fits without them
  std::optional<TemperatureFit> held_out_fit_;         // with a refit: fitted on held-out logits
  std::optional<OutOfFoldProbabilities> out_of_fold_;  // with train.folds
};

}  // namespace tl
