#include "tl/eval/trained_classifier.hpp"

#include <torch/torch.h>

#include "tl/base/error.hpp"
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
  ModelConfig model = experiment_.model;
  model.backbone = record_.backbone_path;
  backbone_ = load_backbone(model, experiment_.data, device);
  if (backbone_.backbone->content_hash() != record_.backbone_sha256) {
    throw Error(record_.backbone_path + ": backbone file changed since " + checkpoint_path.string() +
                " was trained (sha256 " + backbone_.backbone->content_hash() + ", trained with " +
                record_.backbone_sha256 + ")");
  }
  if (backbone_.preprocessing.describe() != record_.preprocessing.get<std::string>()) {
    throw Error(backbone_.metadata.source + ": preprocessing changed since training (now " +
                backbone_.preprocessing.describe() + ", trained with " + record_.preprocessing.get<std::string>() +
                ")");
  }
  backbone_.backbone->load_tuned_state(backbone_state_, checkpoint_path.string());
  if (backbone_.backbone->feature_dim() != record_.in_features) {
    throw Error(checkpoint_path.string() + ": head expects " + std::to_string(record_.in_features) +
                " features, backbone gives " + std::to_string(backbone_.backbone->feature_dim()));
  }
}

torch::Tensor TrainedClassifier::logits(const torch::Tensor& features) {
  torch::NoGradGuard no_grad;
  const auto parameter_device = head_->parameters().front().device();
  return head_->forward(features.to(parameter_device));
}

Preprocessing TrainedClassifier::mirrored_preprocessing() const {
  Preprocessing mirrored = backbone_.preprocessing;
  mirrored.mirrored = true;
  return mirrored;
}

torch::Tensor TrainedClassifier::logits_for_images(const torch::Tensor& images) {
  const torch::Tensor input = images.to(backbone_.backbone->device());
  const torch::Tensor plain = logits(backbone_.backbone->features(input));
  if (tta() == TestTimeAugmentation::none) return plain;
  return (plain + logits(backbone_.backbone->features(input.flip({3})))) / 2;
}

torch::Tensor TrainedClassifier::probabilities_for_images(const torch::Tensor& images) {
  return torch::softmax(logits_for_images(images), 1);
}

}  // namespace tl
