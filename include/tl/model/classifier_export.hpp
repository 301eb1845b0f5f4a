#pragma once
// Classifier export: a trained run becomes one self-contained TorchScript module (backbones + head)
// that any LibTorch or PyTorch program can load with torch.jit.load, without tl. A JSON beside it
// says how to feed it (the run's first backbone's preprocessing; the module renormalises for the others)
// and what its outputs mean (class names in order).
#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

namespace tl {

struct ExportOptions {
  std::optional<std::filesystem::path> checkpoint;  // default: the run's best.pt
  bool softmax = false;                             // probabilities instead of logits
};

struct ExportedFiles {
  std::filesystem::path module;    // the TorchScript file asked for
  std::filesystem::path metadata;  // <module stem>.json beside it
  nlohmann::json description;      // what the metadata file holds
};

// Builds the module on the CPU, checks it reproduces the run's own predictions on a probe batch,
// and writes both files atomically. Throws tl::Error naming what is wrong.
ExportedFiles export_classifier(const std::filesystem::path& run_directory, const std::filesystem::path& out,
                                const ExportOptions& options);

}  // namespace tl
