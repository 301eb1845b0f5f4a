#include "tl/train/epoch_steps.hpp"

#include <cmath>
#include <string>

#include <torch/torch.h>

#include "tl/base/error.hpp"

namespace tl {

EpochSteps::EpochSteps(ProcessGroup& group, torch::optim::Optimizer& optimizer, std::vector<torch::Tensor> trained,
                       const TrainConfig& config, const torch::Tensor& class_weights, int epoch)
    : group_(group),
      optimizer_(optimizer),
      trained_(std::move(trained)),
      class_weights_(class_weights),
      clip_grad_norm_(config.clip_grad_norm),
      epoch_(epoch) {
  // Summed, then divided by the batch's total weight: with class weights and label smoothing too, this
  // is PyTorch's mean over the whole batch, whichever rank computed which rows.
  loss_options_.label_smoothing(config.label_smoothing).reduction(torch::kSum);
  if (class_weights.defined()) loss_options_.weight(class_weights);
}

void EpochSteps::apply(const torch::Tensor& targets, const torch::Tensor& logits) {
  const auto device = trained_.front().device();
  // This rank's loss sum, weight sum (rows, or their class weights), correct rows and rows.
  torch::Tensor totals = torch::zeros({4}, torch::TensorOptions().dtype(torch::kFloat64).device(device));
  if (logits.defined()) {
    const auto loss = torch::nn::functional::cross_entropy(logits, targets, loss_options_);
    loss.backward();
    totals[0] = loss.detach().to(torch::kFloat64);
    totals[1] = class_weights_.defined() ? class_weights_.index_select(0, targets).sum().to(torch::kFloat64)
                                         : torch::scalar_tensor(static_cast<double>(targets.size(0)), torch::kFloat64);
    totals[2] = logits.argmax(1).eq(targets).sum().to(torch::kFloat64);
    totals[3] = static_cast<double>(targets.size(0));
  }
  std::vector<torch::Tensor> gradients;
  for (auto& parameter : trained_) {
    if (!parameter.grad().defined()) parameter.mutable_grad() = torch::zeros_like(parameter);
    gradients.push_back(parameter.grad());
  }
  if (group_.size() > 1) {
    // One message per step, in the gradients' precision: 4 bytes per trained value, plus 4 numbers.
    std::vector<torch::Tensor> message = gradients;
    message.push_back(totals.to(gradients.front().scalar_type()));
    group_.all_reduce_sum(message);
    totals = message.back().to(torch::kFloat64);
  }
  const auto sums = totals.to(torch::kCPU);
  const double loss_sum = sums[0].item<double>(), weight = sums[1].item<double>();
  const auto rows = static_cast<int64_t>(sums[3].item<double>());
  if (rows == 0) return;  // every image of this batch was skipped
  const double loss_value = loss_sum / weight;
  if (!std::isfinite(loss_value)) {
    throw Error("training diverged: loss is " + std::to_string(loss_value) + " in epoch " + std::to_string(epoch_ + 1) +
                " (lower train.optimizer.lr)");
  }
  for (auto& gradient : gradients) gradient.div_(weight);
  if (clip_grad_norm_ > 0) torch::nn::utils::clip_grad_norm_(trained_, clip_grad_norm_);
  optimizer_.step();
  loss_sum_ += loss_value * static_cast<double>(rows);
  correct_ += static_cast<int64_t>(sums[2].item<double>());
  samples_ += rows;
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
