#include "tl/model/trained_classifier.hpp"

#include <torch/torch.h>

#include "tl/base/error.hpp"
#include "tl/features/input_conversion.hpp"
#include "tl/run/run_directory.hpp"

namespace tl {

TrainedClassifier::TrainedClassifier(const std::filesystem::path& run_directory,
                                     const std::optional<std::filesystem::path>& checkpoint, torch::Device device) {
  const RunDirectory run(run_directory);
  experiment_ = run.load_experiment();
  const auto checkpoint_path = checkpoint.value_or(run.best_checkpoint());
  LoadedCheckpoint loaded = load_checkpoint(checkpoint_path, device);
  record_ = loaded.record;
  head_ = loaded.head;
  backbone_state_ = std::move(loaded.backbone_state);
  if (record_.class_names != run.load_class_names()) {
    throw Error(checkpoint_path.string() + ": its classes differ from " + run.classes().string() +
                " (a checkpoint from another run?)");
  }
  if (record_.backbones.size() != experiment_.model.backbones.size()) {
    throw Error(checkpoint_path.string() + ": trained on " + std::to_string(record_.backbones.size()) +
                " backbones, the run's config lists " + std::to_string(experiment_.model.backbones.size()));
  }
  if (!backbone_state_.empty() && record_.backbones.size() != 1) {
    throw Error(checkpoint_path.string() + ": holds tuned backbone tensors but several backbones");
  }
  for (size_t i = 0; i < record_.backbones.size(); ++i) {
    const BackboneRecord& trained = record_.backbones[i];
    BackboneSource source = experiment_.model.backbones[i];
    source.file = trained.path;
    LoadedBackbone& reloaded = backbones_.emplace_back(load_backbone(source, experiment_.data, device));
    if (reloaded.backbone->content_hash() != trained.sha256) {
      throw Error(trained.path + ": backbone file changed since " + checkpoint_path.string() + " was trained (sha256 " +
                  reloaded.backbone->content_hash() + ", trained with " + trained.sha256 + ")");
    }
    if (reloaded.preprocessing.describe() != trained.preprocessing.get<std::string>()) {
      throw Error(reloaded.metadata.source + ": preprocessing changed since training (now " +
                  reloaded.preprocessing.describe() + ", trained with " + trained.preprocessing.get<std::string>() +
                  ")");
    }
  }
  backbones_.front().backbone->load_tuned_state(backbone_state_, checkpoint_path.string());
  if (concatenated_feature_dim(backbones_) != record_.in_features) {
    throw Error(checkpoint_path.string() + ": head expects " + std::to_string(record_.in_features) +
                " features, the backbones give " + std::to_string(concatenated_feature_dim(backbones_)));
  }
}

torch::Tensor TrainedClassifier::logits(const torch::Tensor& features) {
  torch::NoGradGuard no_grad;
  const auto parameter_device = head_->parameters().front().device();
  return head_->forward(features.to(parameter_device));
}

torch::Tensor TrainedClassifier::features_of_inputs(const std::vector<torch::Tensor>& inputs, bool mirrored,
                                                    bool differentiable) {
  std::vector<torch::Tensor> parts;
  for (size_t i = 0; i < backbones_.size(); ++i) {
    Backbone& backbone = *backbones_[i].backbone;
    torch::Tensor input = inputs.at(i).to(backbone.device());
    if (mirrored) input = input.flip({3});
    parts.push_back(differentiable ? backbone.differentiable_features(input) : backbone.features(input));
  }
  return torch::cat(parts, 1);
}

torch::Tensor TrainedClassifier::logits_for_inputs(const std::vector<torch::Tensor>& inputs) {
  const torch::Tensor plain = logits(features_of_inputs(inputs, false, false));
  if (tta() == TestTimeAugmentation::none) return plain;
  return (plain + logits(features_of_inputs(inputs, true, false))) / 2;
}

std::vector<torch::Tensor> TrainedClassifier::inputs_for_each_backbone(const torch::Tensor& images) const {
  std::vector<torch::Tensor> inputs{images};
  for (size_t i = 1; i < backbones_.size(); ++i) {
    inputs.push_back(input_conversion(preprocessing(), backbones_[i].preprocessing).apply(images));
  }
  return inputs;
}

torch::Tensor TrainedClassifier::features_for_images(const torch::Tensor& images, bool differentiable) {
  return features_of_inputs(inputs_for_each_backbone(images), false, differentiable);
}

torch::Tensor TrainedClassifier::logits_for_images(const torch::Tensor& images) {
  return logits_for_inputs(inputs_for_each_backbone(images));
}

torch::Tensor TrainedClassifier::probabilities_for_images(const torch::Tensor& images) {
  return torch::softmax(logits_for_images(images), 1);
}

}  // namespace tl
