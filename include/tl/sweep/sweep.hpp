#pragma once
// Sweep: many experiments from one file, for scripts and CI. A sweep names a base config and the
// values to vary: a grid over any config keys (every combination) and/or an explicit list of named
// variants. Every variant is validated up front, so a bad key or value stops the sweep before
// anything runs; each then becomes an ordinary run directory under the sweep's directory.
//
//   base: cats_vs_dogs_linear.yaml   # the experiment every variant starts from
//   set: {train.epochs: 5}           # applied to every variant (optional)
//   grid: {model.head.type: [linear, mlp], train.optimizer.lr: [0.001, 0.01]}
//   variants: [{name: adamw, set: {train.optimizer.name: adamw}, fail_under: {top1: 0.9}}]
//   split: test                      # evaluated split (val | test)
//   metric: top1                     # ranks the results table
//   fail_under: {top1: 0.95}         # every variant must reach these
//   folds: 5                         # optional: each variant runs once per validation fold
//                                    # (data.val_fold), ranked by its mean over the folds
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tl/config/experiment.hpp"

namespace tl {

// Metrics a sweep ranks by and gates on. val_loss ranks lowest first and cannot be a fail_under gate.
// A sweep trains each variant in turn: more than this many (a grid of six keys of ten values is a
// million) is a mistake, refused before any is expanded.
inline constexpr size_t kMaxSweepVariants = 1000;

inline constexpr std::array<const char*, 4> kSweepMetrics{"top1", "mean_per_class", "val_accuracy", "val_loss"};

struct Gate {
  std::string metric;
  double minimum = 0.0;
  std::string origin;  // where it was set, for the failure line: "--fail-under", "sweep.yaml: fail_under"
};

// "top1=0.9" -> Gate; throws tl::Error naming `origin` when malformed.
Gate parse_gate(const std::string& text, const std::string& origin);

struct SweepVariant {
  std::string name;
  // With folds, a variant of the sweep file is run once per fold, as <recipe>__fold-<k>: the runs of a
  // recipe share its name here. Without, recipe is the name and fold -1.
  std::string recipe;
  int fold = -1;
  std::vector<std::pair<std::string, nlohmann::json>> values;  // dotted key -> this variant's value
  std::vector<Gate> gates;                                     // its own, beside the sweep's
  Experiment experiment;                                       // output.dir = <sweep dir>/<name>
};

struct Sweep {
  std::string name;
  std::filesystem::path file;
  std::filesystem::path directory;  // dir, default runs/<name> under the working directory
  std::string split = "test";
  std::string metric = "top1";           // with folds the default is val_accuracy: every image is validated once
  int folds = 0;                         // 0: one run per variant; K >= 2: one per validation fold of K
  std::vector<std::string> varied_keys;  // grid keys (alphabetical), then keys only explicit variants set
  std::vector<Gate> gates;
  std::vector<SweepVariant> variants;  // grid combinations (last key fastest), then explicit variants;
                                       // with folds, each one's runs in fold order
};

// Reads and validates the sweep file and every variant's experiment; `directory` (relative to the
// working directory) replaces the file's dir. Throws tl::Error naming the sweep file, the variant
// and the field.
Sweep load_sweep(const std::filesystem::path& file, const std::optional<std::filesystem::path>& directory = {});

}  // namespace tl
