#pragma once
// Checkpoint: everything needed to use or resume a trained head, in one LibTorch archive written
// atomically. It holds the head's weights, the optimizer state (for resuming), the CPU generator
// state, and a JSON record: format version, epoch, class names in label order, the head's shape and
// config, each backbone's path, sha256 and preprocessing, and the epoch's metrics. The class
// names travel with the weights, so the label order can never change between training and inference.
// After fine-tuning it also holds the backbone tensors that changed (Backbone::tuned_state), and
// the backbone file plus those tensors are the trained backbone.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/optim/optimizer.h>

#include "tl/features/backbone.hpp"
#include "tl/model/head.hpp"

namespace tl {

constexpr int kCheckpointFormat = 1;
// Larger files are not read as checkpoints: a fine-tuned VGG16 (fc6 and fc7 trained) is about 0.5 GB.
constexpr unsigned long long kMaxCheckpointBytes = 8ULL << 30;

// A backbone the head was trained on: its file, what the file held, and how images were fed to it.
struct BackboneRecord {
  std::string path, sha256;
  nlohmann::json preprocessing;  // Preprocessing::describe() as the run recorded it

  bool operator==(const BackboneRecord& other) const {
    return path == other.path && sha256 == other.sha256 && preprocessing == other.preprocessing;
  }
};

struct CheckpointRecord {
  int epoch = 0;
  std::vector<std::string> class_names;
  HeadConfig head;
  int in_features = 0;
  std::vector<BackboneRecord> backbones;  // in model.backbone's order: the head's input is their features
  nlohmann::json metrics;                 // the epoch's metrics line
  // TrainingState::to_json() after the epoch, what --resume continues from; null in checkpoints
  // written before tl saved it (those still load for inference).
  nlohmann::json training_state;
  // What makes the run this run, for --resume to check: its settings but those of where and how fast
  // ("config") and a digest of its split ("split_sha256"); null in checkpoints from before.
  nlohmann::json run_identity;
  // The temperature the head's last layer has been divided by (temperature scaling, fitted on the
  // validation split when training ended): its logits are already calibrated. 1 when not scaled.
  double temperature = 1.0;

  nlohmann::json to_json() const;
  static CheckpointRecord from_json(const nlohmann::json& json, const std::string& file);
};

// `backbone_state` empty: the backbone file as it is (no fine-tuning yet).
void save_checkpoint(const std::filesystem::path& path, Head& head, const torch::optim::Optimizer* optimizer,
                     const CheckpointRecord& record, const NamedTensors& backbone_state = {});

struct LoadedCheckpoint {
  CheckpointRecord record;
  Head head{nullptr};
  NamedTensors backbone_state;  // on the CPU; empty unless the backbone was fine-tuned
};

// Rebuilds the head from the record and loads its weights onto `device`, in evaluation mode.
// Throws tl::Error naming the file if it is missing, damaged or of another format.
LoadedCheckpoint load_checkpoint(const std::filesystem::path& path, torch::Device device);
// Restores optimizer state saved with the head; `optimizer` must be built over that head's parameters.
void load_optimizer_state(const std::filesystem::path& path, torch::optim::Optimizer& optimizer);
// Restores the CPU generator to its state when the checkpoint was written (dropout masks continue alike).
void restore_generator_state(const std::filesystem::path& path);

}  // namespace tl
