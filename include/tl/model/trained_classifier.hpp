#pragma once
// TrainedClassifier: a finished run opened for inference: its experiment, class names, backbone and
// trained head, ready to score images. Opening checks that the backbone file is the one the head
// was trained on (by sha256) and that the preprocessing derived today matches the recorded one, so
// an edited metadata file or a swapped backbone is an error rather than silently wrong predictions.
// With several backbones, each is checked against its own record.
// A fine-tuned run's backbone is the file with the checkpoint's tuned tensors put in.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "tl/config/experiment.hpp"
#include "tl/features/backbone.hpp"
#include "tl/model/checkpoint.hpp"
#include "tl/model/head.hpp"

namespace tl {

class TrainedClassifier {
 public:
  // checkpoint: default <run>/best.pt.
  TrainedClassifier(const std::filesystem::path& run_directory, const std::optional<std::filesystem::path>& checkpoint,
                    torch::Device device);

  const Experiment& experiment() const { return experiment_; }
  const std::vector<std::string>& class_names() const { return record_.class_names; }
  // The run's backbones in model.backbone's order; the head sees their features concatenated.
  const std::vector<LoadedBackbone>& backbones() const { return backbones_; }
  // The first backbone's preprocessing: what the *_for_images methods take their images in.
  const Preprocessing& preprocessing() const { return backbones_.front().preprocessing; }
  const CheckpointRecord& record() const { return record_; }
  Head& head() { return head_; }
  // The checkpoint's fine-tuned backbone tensors (empty: the backbone file as it is). Features of a
  // tuned backbone are not the file's, so they must not be cached under the file's hash.
  const NamedTensors& backbone_state() const { return backbone_state_; }

  // The run's eval.tta: how the logits_for_* methods and evaluation combine passes.
  TestTimeAugmentation tta() const { return experiment_.eval.tta; }

  // Logits [N, classes] for (concatenated) backbone features [N, D] (on any device).
  torch::Tensor logits(const torch::Tensor& features);
  // Logits [N, classes] with the run's test-time augmentation, for inputs[k]: images [N, 3, H, W]
  // in backbone k's preprocessing.
  torch::Tensor logits_for_inputs(const std::vector<torch::Tensor>& inputs);
  // Concatenated features [N, D] for images [N, 3, H, W] in preprocessing(): each further backbone
  // gets them renormalised for its own (input_conversion.hpp; tl::Error when it needs other pixels).
  // `differentiable`: with autograd on, so gradients reach the pixels (tl-dream, tl-attack).
  torch::Tensor features_for_images(const torch::Tensor& images, bool differentiable = false);
  // logits_for_inputs, from images in preprocessing() as features_for_images takes them.
  torch::Tensor logits_for_images(const torch::Tensor& images);
  // Their softmax.
  torch::Tensor probabilities_for_images(const torch::Tensor& images);

 private:
  std::vector<torch::Tensor> inputs_for_each_backbone(const torch::Tensor& images) const;
  // Every backbone's features of its input (left-right mirrored if asked), side by side.
  torch::Tensor features_of_inputs(const std::vector<torch::Tensor>& inputs, bool mirrored, bool differentiable);

  Experiment experiment_;
  CheckpointRecord record_;
  std::vector<LoadedBackbone> backbones_;
  Head head_{nullptr};
  NamedTensors backbone_state_;
};

}  // namespace tl
