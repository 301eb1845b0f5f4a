#pragma once
// Feature extraction: runs a frozen backbone once over a list of samples. With the backbone frozen,
// features do not change between epochs, so the trainer computes them once and trains the head on
// them for every epoch; with augmentation, once per augmented view. With a FeatureCache, images
// whose features are already cached (same backbone file, preprocessing, view and image bytes) are
// not decoded at all.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "tl/features/backbone.hpp"
#include "tl/features/batch_loader.hpp"
#include "tl/features/feature_cache.hpp"

namespace tl {

struct FeatureSet {
  torch::Tensor features;              // [n, D] float32, on the CPU, in the order of the requested indices
  torch::Tensor labels;                // [n] int64
  std::vector<size_t> sample_indices;  // Dataset::samples of each row; skipped files are absent
  double seconds = 0;                  // wall time of the pass (hashing, cache, decode, backbone)
  int64_t computed = 0;                // rows the backbone computed (the rest came from the cache)

  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

// What a pass computes for each batch of images: [n, 3, H, W] on `device` -> [n, dim] float32.
struct ImageEmbedding {
  // A backbone's features: what every pass but fine-tuning's computes, hence implicit.
  ImageEmbedding(Backbone& backbone);  // NOLINT(google-explicit-constructor)
  ImageEmbedding(int64_t dim, torch::Device device, std::function<torch::Tensor(const torch::Tensor&)> compute);

  int64_t dim;
  torch::Device device;
  std::function<torch::Tensor(const torch::Tensor&)> compute;
};

// View `index` of every image under an augmentation, for a run seeded with `seed`. An image's view
// is keyed by its bytes, not its path, so a cached view is the one this image would get anywhere.
struct AugmentedView {
  Augmentation augmentation;
  uint64_t seed = 0;
  int index = 0;

  uint64_t key_for(const std::string& image_sha256) const;
};

// The feature cache of passes through the backbone `backbone_identity` (Backbone::feature_identity: its
// file's hash, and the precision it runs in unless float32) in `preprocessing` and
// `view` (null: the evaluation transform); `note` names another per-image quantity than the features,
// kept in a namespace of its own beside them. Training and evaluation open caches only through this,
// so each finds the other's entries. Nothing (with a logged warning) when the directory cannot be made.
std::optional<FeatureCache> open_pass_cache(const std::filesystem::path& directory,
                                            const std::string& backbone_identity, const Preprocessing& preprocessing,
                                            const AugmentedView* view, const std::string& note = "");

// `embedding` is usually a Backbone (its features). `cache` may be null (no caching); `view` null means the evaluation
// transform. A cache must be opened for the view it serves (the namespace includes the augmentation, seed and view
// index).
FeatureSet extract_features(const ImageEmbedding& embedding, const Dataset& dataset, const std::vector<size_t>& indices,
                            const Preprocessing& preprocessing, const LoaderOptions& options, SkippedFiles& skipped,
                            FeatureCache* cache, const std::string& progress_label,
                            const AugmentedView* view = nullptr);

// The same images through several backbones, side by side: columns in the order of `passes`, rows
// those every pass decoded (in the first pass's order), the time and backbone work of all passes.
FeatureSet concatenate_features(const std::vector<FeatureSet>& passes);

}  // namespace tl
