#include "tl/train/logistic_probe_stage.hpp"

#include <algorithm>

#include <torch/torch.h>

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
  if (batch_done) batch_done(1, 1);
  return {evaluate_head(head_, train, config_.label_smoothing), validation_result()};
}

nlohmann::json LogisticProbeStage::report() const {
  return probe_ ? probe_->to_json(head_config_, config_.select_by) : nlohmann::json::object();
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
