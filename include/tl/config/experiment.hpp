#pragma once
// Experiment: one validated, fully resolved training configuration. Built once from a ConfigSource
// (every field checked, paths made absolute, defaults filled in) and then passed around by value.
// `resolved` is the same content as a JSON tree; a run directory stores it as config.json and every
// later command (tl-eval, tl-predict) rebuilds the Experiment from that file alone.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tl/data/augmentation.hpp"
#include "tl/config/backbone_metadata.hpp"
#include "tl/config/config_source.hpp"

namespace tl {

struct DataConfig {
  std::string layout;  // petimages | oxford_pets | image_folder
  std::filesystem::path root;
  std::string target = "breed";  // oxford_pets: breed | species
  double val_fraction = 0.15;    // carved from the training data (or the official trainval list)
  double test_fraction = 0.15;   // layouts without an official test split only
  std::optional<int> image_size; // overrides the backbone's input size (square)
  bool reduced_decode = true;    // decode large JPEGs at reduced scale (Preprocessing::reduced_decode)
  int batch_size = 8;            // images per backbone forward pass (small batches stay in cache)
  int workers = 0;               // decoding threads; 0 = all cores
  int prefetch = 4;              // decoded batches allowed to wait for the consumer
};

struct HeadConfig {
  std::string type = "linear";  // linear | mlp
  std::vector<int> hidden{512};
  double dropout = 0.0;
};

struct ModelConfig {
  std::filesystem::path backbone;
  // model.metadata is either a JSON file (default: <backbone stem>.json or model.json beside the
  // backbone) or the fields themselves, for a backbone that comes without tl's JSON.
  std::optional<std::filesystem::path> metadata;
  std::optional<BackboneMetadata> inline_metadata;
  HeadConfig head;
};

struct OptimizerConfig {
  std::string name = "adam";  // sgd | adam | adamw
  double lr = 1e-3;
  double momentum = 0.9;  // sgd only
  bool nesterov = false;  // sgd only
  double weight_decay = 0.0;
};

struct ScheduleConfig {
  std::string name = "cosine";  // constant | step | cosine
  int step_size = 10;           // step: epochs between decays
  double gamma = 0.1;           // step: decay factor
  double warmup_epochs = 0.0;   // linear rise from 0 to the base rate first; the schedule follows
};

// Stage two of a staged recipe (fastai's fine_tune, the lesson's unfreeze-after-head): after
// train.epochs on the frozen backbone, the chosen top of the backbone trains with the head.
struct FineTuneConfig {
  int epochs = 0;  // 0 = no fine-tuning
  // What to unfreeze: the last N blocks of the backbone (see backbone_blocks in backbone.hpp), or
  // parameter-name patterns ('*' matches anything; a pattern that names a module takes all of it).
  int unfreeze_blocks = 0;
  std::vector<std::string> unfreeze;
  double lr = 0;                        // the head's rate in this stage (default: train.optimizer.lr / 10)
  double backbone_lr_multiplier = 0.1;  // the backbone's rate = this x the head's
  std::string bn = "frozen";            // frozen: BatchNorm keeps its running statistics | train: updates them

  bool enabled() const { return epochs > 0; }
};

struct TrainConfig {
  int epochs = 10;
  int batch_size = 64;
  OptimizerConfig optimizer;
  ScheduleConfig schedule;
  double label_smoothing = 0.0;
  double clip_grad_norm = 0.0;         // clip the head's gradient to this L2 norm; 0 = off
  std::string class_weights = "none";  // none | balanced (loss weights inversely proportional to class size)
  // shuffle: every image once per epoch | balanced: as many draws per epoch, with replacement, each
  // class equally likely (for imbalanced data)
  std::string sampling = "shuffle";
  Augmentation augmentation;  // train split only
  FineTuneConfig fine_tune;
  // Stop after `patience` epochs in which the validation loss (training loss without a validation
  // split) did not fall below its lowest value by more than min_delta; patience 0 = off.
  int early_stopping_patience = 0;
  double early_stopping_min_delta = 0.0;
};

struct Experiment {
  std::string name;
  int seed = 0;
  std::string device = "auto";  // auto | cpu | cuda | cuda:N
  int threads = 0;              // LibTorch intra-op threads; 0 = all cores
  bool cache = true;            // reuse backbone features across epochs and runs (FeatureCache)
  std::filesystem::path cache_directory;  // cache_dir, else default_cache_directory() on the machine that runs
  DataConfig data;
  ModelConfig model;
  TrainConfig train;
  std::filesystem::path run_directory;
  nlohmann::json resolved;
};

// Validates the whole document; throws tl::Error naming the file, the field path and what was expected.
Experiment load_experiment(const ConfigSource& source);

// Reads a config file and applies `--set key=value` overrides before validating.
Experiment load_experiment_file(const std::filesystem::path& path, const std::vector<std::string>& overrides = {});

}  // namespace tl
