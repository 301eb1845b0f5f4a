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

#include "tl/config/config_source.hpp"
#include "tl/config/data_options.hpp"
#include "tl/config/eval_options.hpp"
#include "tl/config/model_options.hpp"
#include "tl/config/train_options.hpp"

namespace tl {

struct Experiment {
  std::string name;
  int seed = 0;
  std::string device = "auto";  // auto | cpu | cuda | cuda:N
  int threads = 0;              // LibTorch intra-op threads; 0 = all cores
  bool cache = true;            // reuse backbone features across epochs and runs (FeatureCache)
  // cache.max_bytes: the feature cache is pruned to nine tenths of this when a run leaves it larger;
  // nothing: a tenth of its filesystem, 1 to 100 GiB (cache_budget.hpp).
  std::optional<int64_t> cache_max_bytes;
  std::filesystem::path cache_directory;  // cache_dir, else default_cache_directory() on the machine that runs
  DataConfig data;
  ModelConfig model;
  TrainConfig train;
  EvalConfig eval;
  std::filesystem::path run_directory;
  nlohmann::json resolved;
};

// Validates the whole document; throws tl::Error naming the file, the field path and what was expected.
Experiment load_experiment(const ConfigSource& source);

// Reads a config file and applies `--set key=value` overrides before validating.
Experiment load_experiment_file(const std::filesystem::path& path, const std::vector<std::string>& overrides = {});

}  // namespace tl
