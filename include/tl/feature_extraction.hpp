#pragma once
// Feature extraction: runs a frozen backbone once over a list of samples. With the backbone frozen
// and no train-time augmentation, features do not change between epochs, so the trainer computes
// them once and trains the head on them for every epoch.
#include <string>
#include <vector>

#include <torch/types.h>

#include "tl/backbone.hpp"
#include "tl/batch_loader.hpp"

namespace tl {

struct FeatureSet {
  torch::Tensor features;              // [n, D] float32, on the CPU
  torch::Tensor labels;                // [n] int64
  std::vector<size_t> sample_indices;  // Dataset::samples of each row; skipped files are absent
  double seconds = 0;                  // wall time of the pass (decode + backbone)

  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

FeatureSet extract_features(Backbone& backbone, const Dataset& dataset, const std::vector<size_t>& indices,
                            const Preprocessing& preprocessing, const LoaderOptions& options, SkippedFiles& skipped,
                            const std::string& progress_label);

}  // namespace tl
