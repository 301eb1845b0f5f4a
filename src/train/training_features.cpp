#include "tl/train/training_features.hpp"

#include <torch/torch.h>

#include "tl/base/error.hpp"
#include "tl/dist/sharded_features.hpp"
#include "tl/features/cpu_runtime.hpp"
#include "tl/features/feature_cache.hpp"

namespace tl {
namespace {

std::string cache_description(const Preprocessing& preprocessing, const AugmentedView* view) {
  if (view == nullptr) return preprocessing.describe();
  return preprocessing.describe() + " " + view->augmentation.describe() + " seed=" + std::to_string(view->seed) +
         " view=" + std::to_string(view->index);
}

}  // namespace

TrainingFeatures::TrainingFeatures(ProcessGroup& group, const Experiment& experiment, const Dataset& dataset,
                                   const Split& split, Backbone& backbone, const Preprocessing& preprocessing,
                                   torch::Device device, SkippedFiles& skipped)
    : group_(group),
      experiment_(experiment),
      dataset_(dataset),
      split_(split),
      backbone_(backbone),
      device_(device),
      skipped_(skipped),
      preprocessing_(preprocessing),
      train_preprocessing_(preprocessing),
      loader_{backbone_batch_size(experiment.data.batch_size), experiment.data.workers, experiment.data.prefetch} {
  const Augmentation& augmentation = experiment.train.augmentation;
  if (augmentation.enabled()) {
    train_preprocessing_.reduced_decode = false;
    views_ = augmentation.views;
  }
  train_views_.resize(static_cast<size_t>(views_));
  train_views_[0] = extract_train_view(0, &train_samples_);
  const LabelledFeatures& first = *train_views_[0];
  const torch::Tensor labels = first.labels.to(torch::kCPU).contiguous();
  train_labels_.assign(labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + labels.numel());
  validation_ = extract(split.val, preprocessing_, nullptr, true, "features (val)");
  validation_samples_ = static_cast<size_t>(validation_.size());
}

const LabelledFeatures& TrainingFeatures::train_view(int index) {
  auto& slot = train_views_.at(static_cast<size_t>(index));
  if (!slot) slot = extract_train_view(index);
  return *slot;
}

void TrainingFeatures::recompute_validation() {
  validation_ = extract(split_.val, preprocessing_, nullptr, false, "validate (tuned backbone)");
}

LabelledFeatures TrainingFeatures::extract_train_view(int index, std::vector<size_t>* decoded_samples) {
  if (!experiment_.train.augmentation.enabled()) {
    return extract(split_.train, preprocessing_, nullptr, true, "features (train)", decoded_samples);
  }
  const AugmentedView view{experiment_.train.augmentation, static_cast<uint64_t>(experiment_.seed), index};
  return extract(split_.train, train_preprocessing_, &view, true,
                 "features (train, view " + std::to_string(index + 1) + "/" + std::to_string(views_) + ")",
                 decoded_samples);
}

LabelledFeatures TrainingFeatures::extract(const std::vector<size_t>& indices, const Preprocessing& preprocessing,
                                           const AugmentedView* view, bool cached, const std::string& label,
                                           std::vector<size_t>* decoded_samples) {
  std::optional<FeatureCache> cache;
  if (cached && experiment_.cache) {
    cache = open_feature_cache(experiment_.cache_directory, backbone_.content_hash(),
                               cache_description(preprocessing, view));
  }
  FeatureSet set = extract_features_across(group_, backbone_, dataset_, indices, preprocessing, loader_, skipped_,
                                           cache ? &*cache : nullptr, label, view);
  if (cache) {
    damaged_cache_entries_ += cache->statistics().damaged;
    if (!cache_used_) cache_used_ = cache->directory();
  }
  seconds_ += set.seconds;
  extracted_ += set.size();
  computed_by_backbone_ += set.computed;
  if (decoded_samples != nullptr) *decoded_samples = set.sample_indices;
  return {set.features.to(device_), set.labels.to(device_)};
}

nlohmann::json TrainingFeatures::statistics() const {
  return {{"images", extracted_},
          {"computed_by_backbone", computed_by_backbone_},
          {"from_cache", extracted_ - computed_by_backbone_},
          {"seconds", seconds_},
          {"images_per_second", seconds_ > 0 ? extracted_ / seconds_ : 0.0},
          {"cache", cache_used_ ? nlohmann::json(cache_used_->string()) : nlohmann::json("off")},
          {"cache_damaged_entries", damaged_cache_entries_}};
}

}  // namespace tl
