#pragma once
// What every training stage does per batch, and how an epoch is scored: cross-entropy (with label
// smoothing and class weights), a finite-loss check, gradient clipping over the trained parameters,
// the optimizer step, and the running loss and accuracy of the epoch.
#include <vector>

#include <torch/nn/functional/loss.h>
#include <torch/optim/optimizer.h>

#include "tl/config/train_options.hpp"
#include "tl/train/head.hpp"
#include "tl/train/training_features.hpp"
#include "tl/train/training_state.hpp"

namespace tl {

class EpochSteps {
 public:
  // `trained`: the parameters whose gradient is clipped (train.clip_grad_norm). `class_weights` may
  // be undefined (no weighting). The optimizer must outlive this object.
  EpochSteps(torch::optim::Optimizer& optimizer, std::vector<torch::Tensor> trained, const TrainConfig& config,
             const torch::Tensor& class_weights, int epoch);

  // `forward` computes the logits; gradients are cleared before it and applied after. Throws
  // tl::Error when the loss is not finite.
  template <typename Forward>
  void step(const torch::Tensor& targets, Forward&& forward) {
    optimizer_.zero_grad();
    apply(targets, forward());
  }

  EpochResult result() const;

 private:
  void apply(const torch::Tensor& targets, const torch::Tensor& logits);

  torch::optim::Optimizer& optimizer_;
  std::vector<torch::Tensor> trained_;
  double clip_grad_norm_;
  int epoch_;
  torch::nn::functional::CrossEntropyFuncOptions loss_options_;
  double loss_sum_ = 0;
  int64_t correct_ = 0, samples_ = 0;
};

// Loss and accuracy of the head on features, in evaluation mode and without gradients; zeros (and
// no samples) for an empty set.
EpochResult evaluate_head(Head& head, const LabelledFeatures& data, double label_smoothing);

}  // namespace tl
