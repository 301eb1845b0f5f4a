#include "tl/train/training_features.hpp"

#include <torch/torch.h>

#include "tl/base/error.hpp"
#include "tl/dist/sharded_features.hpp"
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
                                   const Split& split, const std::vector<LoadedBackbone>& backbones,
                                   torch::Device device, SkippedFiles& skipped)
    : group_(group),
      experiment_(experiment),
      dataset_(dataset),
      split_(split),
      device_(device),
      skipped_(skipped),
      loader_(tl::loader_options(experiment.data)) {
  const Augmentation& augmentation = experiment.train.augmentation;
  for (const LoadedBackbone& loaded : backbones) {
    Source source{loaded.backbone.get(), loaded.preprocessing, loaded.preprocessing};
    if (augmentation.enabled()) source.train_preprocessing.reduced_decode = false;
    sources_.push_back(source);
  }
  if (augmentation.enabled()) views_ = augmentation.views;
  train_views_.resize(static_cast<size_t>(views_));
  const FeatureSet first = features_of_train_view(0);
  train_samples_ = first.sample_indices;
  train_views_[0] = on_device(first);
  const torch::Tensor labels = first.labels.contiguous();
  train_labels_.assign(labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + labels.numel());
  validation_ = on_device(features_of_validation());
  validation_samples_ = static_cast<size_t>(validation_.size());
}

const LabelledFeatures& TrainingFeatures::train_view(int index) {
  auto& slot = train_views_.at(static_cast<size_t>(index));
  if (!slot) slot = on_device(same_training_images(features_of_train_view(index)));
  return *slot;
}

const TrainingFeatures::Source& TrainingFeatures::single_source() const {
  if (sources_.size() != 1) throw Error("fine-tuning needs exactly one backbone");
  return sources_[0];
}

FeatureSet TrainingFeatures::features_of_train_view(int index) {
  std::vector<FeatureSet> passes;
  for (size_t i = 0; i < sources_.size(); ++i) {
    const std::string what =
        sources_.size() == 1 ? "features" : "features " + std::to_string(i + 1) + "/" + std::to_string(sources_.size());
    passes.push_back(extract_train_view(sources_[i], *sources_[i].backbone, "", index, what));
  }
  return concatenate_features(passes);
}

FeatureSet TrainingFeatures::features_of_validation() {
  std::vector<FeatureSet> passes;
  for (size_t i = 0; i < sources_.size(); ++i) {
    const std::string which =
        sources_.size() == 1 ? "" : " " + std::to_string(i + 1) + "/" + std::to_string(sources_.size());
    passes.push_back(extract(sources_[i], *sources_[i].backbone, split_.val, sources_[i].preprocessing, nullptr, true,
                             "", "features" + which + " (val)"));
  }
  return concatenate_features(passes);
}

void TrainingFeatures::recompute_validation() {
  const Source& source = single_source();
  validation_ = on_device(extract(source, *source.backbone, split_.val, source.preprocessing, nullptr, false, "",
                                  "validate (tuned backbone)"));
}

void TrainingFeatures::replace_validation_features(const torch::Tensor& features) {
  validation_.features = features.to(device_);
}

FeatureSet TrainingFeatures::train_view_through(const ImageEmbedding& embedding, const std::string& cache_note,
                                                int index) {
  return same_training_images(extract_train_view(single_source(), embedding, cache_note, index, cache_note));
}

FeatureSet TrainingFeatures::same_training_images(FeatureSet set) const {
  if (set.sample_indices != train_samples_) {
    throw Error("the training images changed during the run: " + std::to_string(set.size()) + " decode now, " +
                std::to_string(train_samples_.size()) + " did when the run began (see the skipped files)");
  }
  return set;
}

FeatureSet TrainingFeatures::validation_through(const ImageEmbedding& embedding, const std::string& cache_note) {
  const Source& source = single_source();
  FeatureSet set = extract(source, embedding, split_.val, source.preprocessing, nullptr, true, cache_note,
                           "validation (" + cache_note + ")");
  if (set.size() != validation_.size()) {
    throw Error("the validation images changed during the run: " + std::to_string(set.size()) + " decode now, " +
                std::to_string(validation_.size()) + " did when the run began (see the skipped files)");
  }
  return set;
}

FeatureSet TrainingFeatures::extract_train_view(const Source& source, const ImageEmbedding& embedding,
                                                const std::string& cache_note, int index, const std::string& what) {
  if (!experiment_.train.augmentation.enabled()) {
    return extract(source, embedding, split_.train, source.preprocessing, nullptr, true, cache_note, what + " (train)");
  }
  const AugmentedView view{experiment_.train.augmentation, static_cast<uint64_t>(experiment_.seed), index};
  return extract(source, embedding, split_.train, source.train_preprocessing, &view, true, cache_note,
                 what + " (train, view " + std::to_string(index + 1) + "/" + std::to_string(views_) + ")");
}

LabelledFeatures TrainingFeatures::on_device(const FeatureSet& set) const {
  return {set.features.to(device_), set.labels.to(device_)};
}

FeatureSet TrainingFeatures::extract(const Source& source, const ImageEmbedding& embedding,
                                     const std::vector<size_t>& indices, const Preprocessing& preprocessing,
                                     const AugmentedView* view, bool cached, const std::string& cache_note,
                                     const std::string& label) {
  std::optional<FeatureCache> cache;
  if (cached && experiment_.cache) {
    const std::string description = cache_description(preprocessing, view);
    cache = open_feature_cache(experiment_.cache_directory, source.backbone->content_hash(),
                               cache_note.empty() ? description : description + " " + cache_note);
  }
  FeatureSet set = extract_features_across(group_, embedding, dataset_, indices, preprocessing, loader_, skipped_,
                                           cache ? &*cache : nullptr, label, view);
  if (cache) {
    damaged_cache_entries_ += cache->statistics().damaged;
    if (!cache_used_) cache_used_ = cache->directory();
  }
  if (cache_note.empty()) {  // the summary's figures are those of the feature passes
    seconds_ += set.seconds;
    extracted_ += set.size();
    computed_by_backbone_ += set.computed;
  }
  return set;
}

FeatureExtractionSummary TrainingFeatures::statistics() const {
  FeatureExtractionSummary summary;
  summary.images = static_cast<long long>(extracted_);
  summary.computed_by_backbone = static_cast<long long>(computed_by_backbone_);
  summary.from_cache = summary.images - summary.computed_by_backbone;
  summary.seconds = seconds_;
  summary.images_per_second = seconds_ > 0 ? static_cast<double>(extracted_) / seconds_ : 0.0;
  summary.cache = cache_used_ ? cache_used_->string() : "off";
  summary.cache_damaged_entries = static_cast<long long>(damaged_cache_entries_);
  return summary;
}

}  // namespace tl
