#pragma once
// TrainingFeatures: the backbone features a training run works on, and what it cost to get them.
// With several backbones, each image's features are theirs concatenated, each backbone fed with its
// own preprocessing and cached under its own file's hash.
// Owns the feature-cache handles (one namespace per backbone, preprocessing and view), the training features of
// each cached augmented view (computed the first time an epoch needs it, so a run shows progress
// early and an interrupted one keeps every finished view in the cache), and the validation features.
// Statistics (images, backbone passes, cache hits, damaged entries, seconds) feed the run's summary.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "tl/config/experiment.hpp"
#include "tl/data/dataset.hpp"
#include "tl/data/skipped_files.hpp"
#include "tl/data/split.hpp"
#include "tl/dist/process_group.hpp"
#include "tl/features/backbone.hpp"
#include "tl/features/batch_loader.hpp"
#include "tl/features/feature_extraction.hpp"
#include "tl/run/run_summary.hpp"

namespace tl {

// Features and labels on the training device.
struct LabelledFeatures {
  torch::Tensor features, labels;
  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

class TrainingFeatures {
 public:
  // Computes (or reads from the cache) the first training view and the validation features, each
  // rank of `group` its share (every rank then holds them all). The group, dataset, split, backbone
  // backbones and skipped list must outlive this object.
  TrainingFeatures(ProcessGroup& group, const Experiment& experiment, const Dataset& dataset, const Split& split,
                   const std::vector<LoadedBackbone>& backbones, torch::Device device, SkippedFiles& skipped);

  // The ranks the stages divide each batch between.
  ProcessGroup& group() const { return group_; }

  // Training features of augmented view `index` (the plain view without augmentation).
  const LabelledFeatures& train_view(int index);
  int views() const { return views_; }
  const LabelledFeatures& validation() const { return validation_; }
  // Fine-tuning, which needs exactly one backbone, uses the rest. Validation features through the
  // backbone as it is now (rows as validation()), never cached: a tuned backbone is no longer the file
  // the cache is keyed by. Counted in the summary's feature passes.
  LabelledFeatures tuned_validation();

  // Another per-image quantity than the features: what `embedding` computes for the training images in
  // view `index` (rows as train_samples()) or for the validation images (rows as validation()), on the
  // CPU, with what the pass cost. Cached beside the features, in namespaces that add `cache_note`. Fine-tuning's frozen
  // prefix uses it; throws tl::Error when an image no longer decodes as it did for the features.
  FeatureSet train_view_through(const ImageEmbedding& embedding, const std::string& cache_note, int index);
  FeatureSet validation_through(const ImageEmbedding& embedding, const std::string& cache_note);

  // The training images that decoded (Dataset::samples) and their labels, in split order.
  const std::vector<size_t>& train_samples() const { return train_samples_; }
  const std::vector<int64_t>& train_labels() const { return train_labels_; }
  // The validation images that decoded, in split order (the rows of validation()).
  const std::vector<size_t>& validation_samples() const { return validation_samples_; }
  // The (only) backbone's preprocessing of training images: without reduced decoding when augmenting,
  // since a random crop of a reduced decode would be a blurred one.
  const Preprocessing& train_preprocessing() const { return single_source().train_preprocessing; }
  const LoaderOptions& loader_options() const { return loader_; }

  int64_t damaged_cache_entries() const { return damaged_cache_entries_; }
  // The summary's feature_extraction section.
  FeatureExtractionSummary statistics() const;

 private:
  struct Source {
    Backbone* backbone;
    Preprocessing preprocessing, train_preprocessing;
  };
  const Source& single_source() const;
  // The training images of view `index` (or the validation images) through every backbone.
  FeatureSet features_of_train_view(int index);
  FeatureSet features_of_validation();
  // One pass through a source's backbone (or another embedding in its preprocessing): which images,
  // in which preprocessing and augmented view, how it uses the feature cache, and what it counts as.
  struct Pass {
    const std::vector<size_t>* images = nullptr;
    Preprocessing preprocessing;
    std::optional<AugmentedView> view;  // none: the evaluation transform
    bool cached = true;                 // false for a tuned backbone, no longer the file the cache is keyed by
    std::string cache_note;             // another quantity than the features: its cache namespace beside them
    bool counted = true;                // one of the summary's feature passes (fine-tuning's prefix passes are not)
    std::string label;                  // progress and log
  };
  // The training images of view `index` in `source`'s training preprocessing: a counted, cached pass.
  Pass train_view_pass(const Source& source, int index, const std::string& what) const;
  Pass validation_pass(const Source& source, const std::string& label) const;
  FeatureSet extract(const Source& source, const ImageEmbedding& embedding, const Pass& pass);
  // `set`, which a later pass computed for the training images; tl::Error when a file that decoded
  // for the first view (in every backbone's pass) no longer does.
  FeatureSet same_training_images(FeatureSet set) const;
  LabelledFeatures on_device(const FeatureSet& set) const;

  ProcessGroup& group_;
  const Experiment& experiment_;
  const Dataset& dataset_;
  const Split& split_;
  std::vector<Source> sources_;
  torch::Device device_;
  SkippedFiles& skipped_;
  LoaderOptions loader_;
  int views_ = 1;
  std::vector<std::optional<LabelledFeatures>> train_views_;
  LabelledFeatures validation_;
  std::vector<size_t> train_samples_;
  std::vector<int64_t> train_labels_;
  std::vector<size_t> validation_samples_;

  std::optional<std::filesystem::path> cache_used_;  // the first namespace, for the summary
  int64_t damaged_cache_entries_ = 0;
  double seconds_ = 0;
  int64_t extracted_ = 0, computed_by_backbone_ = 0;
};

}  // namespace tl
