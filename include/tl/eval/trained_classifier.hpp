#pragma once
// TrainedClassifier: a finished run opened for inference: its experiment, class names, backbone and
// trained head, ready to score images. Opening checks that the backbone file is the one the head
// was trained on (by sha256) and that the preprocessing derived today matches the recorded one, so
// an edited metadata file or a swapped backbone is an error rather than silently wrong predictions.
// A fine-tuned run's backbone is the file with the checkpoint's tuned tensors put in.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "tl/config/experiment.hpp"
#include "tl/features/backbone.hpp"
#include "tl/train/checkpoint.hpp"
#include "tl/train/head.hpp"

namespace tl {

class TrainedClassifier {
 public:
  // checkpoint: default <run>/best.pt.
  TrainedClassifier(const std::filesystem::path& run_directory, const std::optional<std::filesystem::path>& checkpoint,
                    torch::Device device);

  const Experiment& experiment() const { return experiment_; }
  const std::vector<std::string>& class_names() const { return record_.class_names; }
  const Preprocessing& preprocessing() const { return backbone_.preprocessing; }
  Backbone& backbone() { return *backbone_.backbone; }
  const CheckpointRecord& record() const { return record_; }
  Head& head() { return head_; }
  // The checkpoint's fine-tuned backbone tensors (empty: the backbone file as it is). Features of a
  // tuned backbone are not the file's, so they must not be cached under the file's hash.
  const NamedTensors& backbone_state() const { return backbone_state_; }

  // The run's eval.tta: how logits_for_images and evaluation combine passes.
  TestTimeAugmentation tta() const { return experiment_.eval.tta; }
  // The preprocessing of the mirrored pass of test-time flips: the crop mirrored left-right.
  Preprocessing mirrored_preprocessing() const;

  // Logits [N, classes] for backbone features [N, D] (on any device).
  torch::Tensor logits(const torch::Tensor& features);
  // Logits [N, classes] for normalised images [N, 3, H, W], with the run's test-time augmentation.
  torch::Tensor logits_for_images(const torch::Tensor& images);
  // Their softmax.
  torch::Tensor probabilities_for_images(const torch::Tensor& images);

 private:
  Experiment experiment_;
  CheckpointRecord record_;
  LoadedBackbone backbone_;
  Head head_{nullptr};
  NamedTensors backbone_state_;
};

}  // namespace tl
