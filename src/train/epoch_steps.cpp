#include "tl/train/epoch_steps.hpp"

#include <cmath>
#include <string>

#include <torch/torch.h>

#include "tl/base/error.hpp"

namespace tl {

EpochSteps::EpochSteps(torch::optim::Optimizer& optimizer, std::vector<torch::Tensor> trained,
                       const TrainConfig& config, const torch::Tensor& class_weights, int epoch)
    : optimizer_(optimizer), trained_(std::move(trained)), clip_grad_norm_(config.clip_grad_norm), epoch_(epoch) {
  loss_options_.label_smoothing(config.label_smoothing);
  if (class_weights.defined()) loss_options_.weight(class_weights);
}

void EpochSteps::apply(const torch::Tensor& targets, const torch::Tensor& logits) {
  const auto loss = torch::nn::functional::cross_entropy(logits, targets, loss_options_);
  const double loss_value = loss.item<double>();
  if (!std::isfinite(loss_value)) {
    throw Error("training diverged: loss is " + std::to_string(loss_value) + " in epoch " + std::to_string(epoch_ + 1) +
                " (lower train.optimizer.lr)");
  }
  loss.backward();
  if (clip_grad_norm_ > 0) torch::nn::utils::clip_grad_norm_(trained_, clip_grad_norm_);
  optimizer_.step();
  loss_sum_ += loss_value * static_cast<double>(targets.size(0));
  correct_ += logits.argmax(1).eq(targets).sum().item<int64_t>();
  samples_ += targets.size(0);
}

EpochResult EpochSteps::result() const {
  const auto samples = std::max<int64_t>(1, samples_);
  return {loss_sum_ / static_cast<double>(samples), static_cast<double>(correct_) / static_cast<double>(samples),
          samples_};
}

EpochResult evaluate_head(Head& head, const LabelledFeatures& data, double label_smoothing) {
  EpochResult result;
  if (data.size() == 0) return result;
  head->eval();
  torch::NoGradGuard no_grad;
  const auto logits = head->forward(data.features);
  result.samples = data.size();
  result.loss =
      torch::nn::functional::cross_entropy(
          logits, data.labels, torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(label_smoothing))
          .item<double>();
  result.accuracy = logits.argmax(1).eq(data.labels).to(torch::kFloat64).mean().item<double>();
  return result;
}

}  // namespace tl
