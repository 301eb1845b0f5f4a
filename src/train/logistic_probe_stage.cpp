#include "tl/train/logistic_probe_stage.hpp"

#include <cstddef>
#include <vector>

#include <torch/torch.h>

#include "tl/base/random.hpp"
#include "tl/data/folds.hpp"
#include "tl/run/temperature_fit.hpp"
#include "tl/train/epoch_steps.hpp"

namespace tl {

LogisticProbeStage::LogisticProbeStage(Head& head, TrainingFeatures& features, const HeadConfig& head_config,
                                       const TrainConfig& config, torch::Tensor class_weights, uint64_t seed)
    : head_(head),
      features_(features),
      head_config_(head_config),
      config_(config),
      class_weights_(std::move(class_weights)),
      seed_(seed) {}

namespace {

std::vector<float> float_values(const torch::Tensor& tensor) {
  const torch::Tensor values = tensor.to(torch::kCPU, torch::kFloat).contiguous();
  return {values.data_ptr<float>(), values.data_ptr<float>() + values.numel()};
}

std::vector<int> int_values(const torch::Tensor& tensor) {
  const torch::Tensor values = tensor.to(torch::kCPU, torch::kInt32).contiguous();
  return {values.data_ptr<int>(), values.data_ptr<int>() + values.numel()};
}

// Per image, the mean of its rows' class probabilities: rows are `views` blocks of the training
// images, then the validation images (one row each) when they were fitted.
OutOfFoldProbabilities image_probabilities(const torch::Tensor& row_logits, const torch::Tensor& image_labels,
                                           int64_t training_images, int views, int folds) {
  torch::Tensor probabilities = torch::softmax(row_logits.to(torch::kCPU, torch::kDouble), 1);
  if (views > 1) {
    const torch::Tensor training_rows = probabilities.slice(0, 0, views * training_images);
    const torch::Tensor averaged = training_rows.view({views, training_images, -1}).mean(0);
    probabilities = torch::cat({averaged, probabilities.slice(0, views * training_images)});
  }
  return {float_values(probabilities), int_values(image_labels), {}, static_cast<size_t>(probabilities.size(1)), folds};
}

}  // namespace

EpochOutcome LogisticProbeStage::run_epoch(int, int, const BatchDone& batch_done) {
  std::vector<torch::Tensor> rows, labels;
  for (int view = 0; view < features_.views(); ++view) {
    const LabelledFeatures& data = features_.train_view(view);
    rows.push_back(data.features);
    labels.push_back(data.labels);
  }
  const LabelledFeatures train{torch::cat(rows), torch::cat(labels)};
  const HeldOutLogits calibration = config_.folds >= 2 ? fit_by_folds(train) : fit_on_validation_split(train);
  {
    torch::NoGradGuard no_grad;
    const torch::nn::Linear layer = head_->linear_layers().front();
    layer->weight.copy_(probe_->weight);
    layer->bias.copy_(probe_->bias);
  }
  // After a refit the validation images are training rows: how confident the head should be is
  // measured on fits that did not see the rows scored, and the temperature fitted there is the one
  // eval.calibration applies to the refit head.
  if (calibration.logits.defined()) {
    held_out_fit_ = fit_temperature_measured(float_values(calibration.logits), int_values(calibration.labels),
                                             static_cast<size_t>(calibration.logits.size(1)));
  }
  if (batch_done) batch_done(1, 1);
  return {evaluate_head(head_, train, config_.label_smoothing), validation_result()};
}

LogisticProbeStage::HeldOutLogits LogisticProbeStage::fit_on_validation_split(const LabelledFeatures& train) {
  const LabelledFeatures& validation = features_.validation();
  probe_ = fit_logistic_probe(train.features, train.labels, validation.features, validation.labels, head_->classes(),
                              head_config_, config_.select_by, config_.refit, class_weights_);
  if (!probe_->refit || !probe_->held_out_logits.defined()) return {};
  validation_logits_ = probe_->held_out_logits;
  return {validation_logits_, validation.labels};
}

LogisticProbeStage::HeldOutLogits LogisticProbeStage::fit_by_folds(const LabelledFeatures& train) {
  const LabelledFeatures& validation = features_.validation();
  // The validation images join the folds when the head is refitted on them anyway.
  const bool pooled_validation = config_.refit && validation.size() > 0;
  const LabelledFeatures& first_view = features_.train_view(0);
  const torch::Tensor image_labels =
      pooled_validation ? torch::cat({first_view.labels, validation.labels}) : first_view.labels;
  const torch::Tensor label_values = image_labels.to(torch::kCPU, torch::kLong).contiguous();
  const std::vector<int> image_fold =
      stratified_folds({label_values.data_ptr<int64_t>(), label_values.data_ptr<int64_t>() + label_values.numel()},
                       config_.folds, stream_key(seed_, RandomStream::folds));
  // Every view of an image sits in the image's fold: a fit must not see another crop of a photo it
  // is scored on.
  const auto training_images = static_cast<std::ptrdiff_t>(first_view.size());
  std::vector<int> row_fold;
  for (int view = 0; view < features_.views(); ++view) {
    row_fold.insert(row_fold.end(), image_fold.begin(), image_fold.begin() + training_images);
  }
  row_fold.insert(row_fold.end(), image_fold.begin() + training_images, image_fold.end());
  const LabelledFeatures fitted = pooled_validation
                                      ? LabelledFeatures{torch::cat({train.features, validation.features}),
                                                         torch::cat({train.labels, validation.labels})}
                                      : train;
  probe_ = fit_logistic_probe_k_fold(fitted.features, fitted.labels, row_fold, config_.folds, head_->classes(),
                                     head_config_, config_.select_by, class_weights_);
  probe_->refit = pooled_validation;
  out_of_fold_ =
      image_probabilities(probe_->held_out_logits, image_labels, training_images, features_.views(), config_.folds);
  if (!pooled_validation) return {};
  validation_logits_ = probe_->held_out_logits.slice(0, fitted.size() - validation.size());
  // Rows whose held-out logits tell how confident the head should be: those in the evaluation
  // transform, as the photos it will score are (augmented training views are not).
  if (config_.augmentation.enabled()) return {validation_logits_, validation.labels};
  return {probe_->held_out_logits, fitted.labels};
}

nlohmann::json LogisticProbeStage::report() const {
  if (!probe_) return nlohmann::json::object();
  nlohmann::json report = probe_->to_json(head_config_, config_.select_by);
  if (held_out_fit_) report["held_out_calibration"] = held_out_fit_->to_json();
  return report;
}

EpochResult LogisticProbeStage::validation_result() const {
  const LabelledFeatures& validation = features_.validation();
  if (!validation_logits_.defined()) return evaluate_head(head_, validation, config_.label_smoothing);
  // The validation images were fitted: their figures are those of fits that held them out.
  torch::NoGradGuard no_grad;
  const torch::Tensor logits = validation_logits_.to(validation.labels.device());
  torch::nn::functional::CrossEntropyFuncOptions options;
  options.label_smoothing(config_.label_smoothing);
  return EpochResult{torch::nn::functional::cross_entropy(logits, validation.labels, options).item<double>(),
                     logits.argmax(1).eq(validation.labels).to(torch::kDouble).mean().item<double>(),
                     validation.size()};
}

}  // namespace tl
