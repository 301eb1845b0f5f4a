#pragma once
// What every training stage does per batch, and how an epoch is scored: cross-entropy (with label
// smoothing and class weights), a finite-loss check, gradient clipping over the trained parameters,
// the optimizer step, and the running loss and accuracy of the epoch.
//
// Data parallel: each rank of the group computes its share of every global batch; the summed losses,
// gradients and weights of all ranks are exchanged in one all-reduce per step, so every rank takes
// the step one process computing the whole batch would take (up to float summation order).
#include <vector>

#include <torch/nn/functional/loss.h>
#include <torch/optim/optimizer.h>

#include "tl/config/train_options.hpp"
#include "tl/dist/process_group.hpp"
#include "tl/model/head.hpp"
#include "tl/train/training_features.hpp"
#include "tl/train/training_state.hpp"

namespace tl {

class EpochSteps {
 public:
  // `trained`: the parameters whose gradient is clipped (train.clip_grad_norm). `class_weights` may
  // be undefined (no weighting). The optimizer must outlive this object.
  EpochSteps(ProcessGroup& group, torch::optim::Optimizer& optimizer, std::vector<torch::Tensor> trained,
             const TrainConfig& config, const torch::Tensor& class_weights, int epoch);

  // This rank's rows [begin, end) of a global batch of `rows`.
  std::pair<int64_t, int64_t> share(int64_t rows) const { return group_.share(rows); }

  // One step on a global batch: `targets` are this rank's rows of it (maybe none) and `forward`
  // computes their logits (not called without rows). Every rank must call it for every batch.
  // Throws tl::Error when the batch's loss is not finite.
  template <typename Forward>
  void step(const torch::Tensor& targets, Forward&& forward) {
    optimizer_.zero_grad();
    apply(targets, targets.size(0) > 0 ? forward() : torch::Tensor());
  }

  EpochResult result() const;

 private:
  void apply(const torch::Tensor& targets, const torch::Tensor& logits);

  ProcessGroup& group_;
  torch::optim::Optimizer& optimizer_;
  std::vector<torch::Tensor> trained_;
  torch::Tensor class_weights_;
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
