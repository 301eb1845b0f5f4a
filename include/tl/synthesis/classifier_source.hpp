#pragma once
// The network tl-dream and tl-attack optimise through, as files: a trained run (best.pt, or another
// checkpoint of it), or a whole TorchScript classifier with its labels and metadata.
#include <filesystem>
#include <optional>

namespace tl {

struct ClassifierSource {
  std::optional<std::filesystem::path> run, checkpoint;       // a run directory; checkpoint: instead of best.pt
  std::optional<std::filesystem::path> model, labels, metadata;  // labels/metadata: default beside the model

  bool given() const { return run.has_value() || model.has_value(); }
};

}  // namespace tl
