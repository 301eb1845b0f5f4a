#include "tl/train/logistic_probe_stage.hpp"

#include <algorithm>

#include <torch/torch.h>

#include "tl/run/temperature_fit.hpp"
#include "tl/train/epoch_steps.hpp"

namespace tl {

LogisticProbeStage::LogisticProbeStage(Head& head, TrainingFeatures& features, const HeadConfig& head_config,
                                       const TrainConfig& config, torch::Tensor class_weights)
    : head_(head),
      features_(features),
      head_config_(head_config),
      config_(config),
      class_weights_(std::move(class_weights)) {}

EpochOutcome LogisticProbeStage::run_epoch(int, int, const BatchDone& batch_done) {
  std::vector<torch::Tensor> rows, labels;
  for (int view = 0; view < features_.views(); ++view) {
    const LabelledFeatures& data = features_.train_view(view);
    rows.push_back(data.features);
    labels.push_back(data.labels);
  }
  const LabelledFeatures train{torch::cat(rows), torch::cat(labels)};
  const LabelledFeatures& validation = features_.validation();
  probe_ = fit_logistic_probe(train.features, train.labels, validation.features, validation.labels, head_->classes(),
                              head_config_, config_.select_by, config_.refit, class_weights_);
  {
    torch::NoGradGuard no_grad;
    const torch::nn::Linear layer = head_->linear_layers().front();
    layer->weight.copy_(probe_->weight);
    layer->bias.copy_(probe_->bias);
  }
  // After a refit the validation images are training rows: how confident the head should be is
  // measured on the chosen strength's fit without them, and the temperature fitted there is the one
  // eval.calibration applies to the refit head.
  if (probe_->refit && probe_->held_out_logits.defined()) {
    const torch::Tensor& logits = probe_->held_out_logits;
    const torch::Tensor label_tensor = validation.labels.to(torch::kInt32).contiguous();
    held_out_fit_ = fit_temperature_measured(
        std::vector<float>(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel()),
        std::vector<int>(label_tensor.data_ptr<int>(), label_tensor.data_ptr<int>() + label_tensor.numel()),
        static_cast<size_t>(logits.size(1)));
  }
  if (batch_done) batch_done(1, 1);
  return {evaluate_head(head_, train, config_.label_smoothing), validation_result()};
}

nlohmann::json LogisticProbeStage::report() const {
  if (!probe_) return nlohmann::json::object();
  nlohmann::json report = probe_->to_json(head_config_, config_.select_by);
  if (held_out_fit_) report["held_out_calibration"] = held_out_fit_->to_json();
  return report;
}

EpochResult LogisticProbeStage::validation_result() const {
  if (!probe_->refit || probe_->trials.empty()) {
    return evaluate_head(head_, features_.validation(), config_.label_smoothing);
  }
  const auto chosen = std::find_if(probe_->trials.begin(), probe_->trials.end(),
                                   [&](const L2Trial& trial) { return trial.l2 == probe_->chosen_l2; });
  return EpochResult{chosen->validation_loss, chosen->validation_accuracy, features_.validation().size()};
}

}  // namespace tl
