#include "tl/train/training_features.hpp"

#include <torch/torch.h>

#include "tl/base/error.hpp"
#include "tl/dist/sharded_features.hpp"
#include "tl/features/batch_memory.hpp"
#include "tl/features/feature_cache.hpp"

namespace tl {
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
    check_batch_fits_memory(source.train_preprocessing, loader_.batch_size, "data.batch_size");
    sources_.push_back(source);
  }
  if (augmentation.enabled()) views_ = augmentation.views;
  train_views_.resize(static_cast<size_t>(views_));
  const FeatureSet first = features_of_train_view(0);
  train_samples_ = first.sample_indices;
  train_views_[0] = on_device(first);
  const torch::Tensor labels = first.labels.contiguous();
  train_labels_.assign(labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + labels.numel());
  const FeatureSet validation = features_of_validation();
  validation_samples_ = validation.sample_indices;
  validation_ = on_device(validation);
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
    passes.push_back(extract(sources_[i], *sources_[i].backbone, train_view_pass(sources_[i], index, what)));
  }
  return concatenate_features(passes);
}

FeatureSet TrainingFeatures::features_of_validation() {
  std::vector<FeatureSet> passes;
  for (size_t i = 0; i < sources_.size(); ++i) {
    const std::string which =
        sources_.size() == 1 ? "" : " " + std::to_string(i + 1) + "/" + std::to_string(sources_.size());
    passes.push_back(
        extract(sources_[i], *sources_[i].backbone, validation_pass(sources_[i], "features" + which + " (val)")));
  }
  return concatenate_features(passes);
}

LabelledFeatures TrainingFeatures::tuned_validation() {
  const Source& source = single_source();
  Pass pass = validation_pass(source, "validate (tuned backbone)");
  pass.cached = false;
  return on_device(extract(source, *source.backbone, pass));
}

FeatureSet TrainingFeatures::train_view_through(const ImageEmbedding& embedding, const std::string& cache_note,
                                                int index) {
  const Source& source = single_source();
  Pass pass = train_view_pass(source, index, cache_note);
  pass.cache_note = cache_note;
  pass.counted = false;
  return same_training_images(extract(source, embedding, pass));
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
  Pass pass = validation_pass(source, "validation (" + cache_note + ")");
  pass.cache_note = cache_note;
  pass.counted = false;
  FeatureSet set = extract(source, embedding, pass);
  if (set.size() != validation_.size()) {
    throw Error("the validation images changed during the run: " + std::to_string(set.size()) + " decode now, " +
                std::to_string(validation_.size()) + " did when the run began (see the skipped files)");
  }
  return set;
}

TrainingFeatures::Pass TrainingFeatures::train_view_pass(const Source& source, int index,
                                                         const std::string& what) const {
  Pass pass;
  pass.images = &split_.train;
  if (!experiment_.train.augmentation.enabled()) {
    pass.preprocessing = source.preprocessing;
    pass.label = what + " (train)";
    return pass;
  }
  pass.preprocessing = source.train_preprocessing;
  pass.view = AugmentedView{experiment_.train.augmentation, static_cast<uint64_t>(experiment_.seed), index};
  pass.label = what + " (train, view " + std::to_string(index + 1) + "/" + std::to_string(views_) + ")";
  return pass;
}

TrainingFeatures::Pass TrainingFeatures::validation_pass(const Source& source, const std::string& label) const {
  Pass pass;
  pass.images = &split_.val;
  pass.preprocessing = source.preprocessing;
  pass.label = label;
  return pass;
}

LabelledFeatures TrainingFeatures::on_device(const FeatureSet& set) const {
  return {set.features.to(device_), set.labels.to(device_)};
}

FeatureSet TrainingFeatures::extract(const Source& source, const ImageEmbedding& embedding, const Pass& pass) {
  const AugmentedView* view = pass.view ? &*pass.view : nullptr;
  std::optional<FeatureCache> cache;
  if (pass.cached && experiment_.cache) {
    cache = open_pass_cache(experiment_.cache_directory, source.backbone->feature_identity(), pass.preprocessing, view,
                            pass.cache_note);
  }
  FeatureSet set = extract_features_across(group_, embedding, dataset_, *pass.images, pass.preprocessing, loader_,
                                           skipped_, cache ? &*cache : nullptr, pass.label, view);
  if (cache) {
    damaged_cache_entries_ += cache->statistics().damaged;
    if (!cache_used_) cache_used_ = cache->directory();
  }
  if (pass.counted) {
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
