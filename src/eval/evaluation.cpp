#include "tl/eval/evaluation.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "tl/base/ascii_case.hpp"
#include "tl/base/error.hpp"
#include "tl/base/utf8_text.hpp"
#include "tl/data/experiment_data.hpp"
#include "tl/data/split.hpp"
#include "tl/dist/sharded_features.hpp"
#include "tl/explain/class_heat_map.hpp"
#include "tl/explain/photo_view.hpp"
#include "tl/features/batch_memory.hpp"
#include "tl/features/cache_budget.hpp"
#include "tl/features/device.hpp"
#include "tl/features/feature_extraction.hpp"
#include "tl/features/feature_precision.hpp"
#include "tl/model/trained_classifier.hpp"
#include "tl/run/run_directory.hpp"

namespace tl {
namespace {

std::vector<size_t> official_or_all(const Dataset& dataset, const std::string& split) {
  std::vector<size_t> indices;
  const bool test = split == "test";
  for (size_t i = 0; i < dataset.samples.size(); ++i) {
    if (!dataset.has_official_split() || (dataset.official[i] == OfficialSplit::test) == test) indices.push_back(i);
  }
  return indices;
}

// Where the model looked for the predicted and for the true class in each of the photos it scored
// worst, so that a report can show whether it looked at the pet or at the sofa. A run whose
// backbones cannot be looked inside is evaluated all the same, with a warning.
void draw_heat_maps(TrainedClassifier& classifier, std::vector<LossySample>& samples) {
  const auto start = std::chrono::steady_clock::now();
  std::optional<ClassHeatMaps> heat_maps;
  try {
    heat_maps.emplace(classifier);
  } catch (const Error& error) {
    spdlog::warn("no class heat maps for the photos scored worst: {}", error.what());
    return;
  }
  const bool flips = classifier.tta() == TestTimeAugmentation::flip;
  const torch::Device device = classifier.backbones().front().backbone->device();
  for (LossySample& sample : samples) {
    try {
      const PhotoView view = view_photo(sample.path, classifier.preprocessing(), device);
      std::vector<HeatMap> maps = heat_maps->maps(view.input, {sample.predicted, sample.label}, flips);
      for (HeatMap& map : maps) map.region = view.region;
      sample.predicted_heat_map = std::move(maps[0]);
      sample.true_heat_map = std::move(maps[1]);
    } catch (const Error& error) {  // the photo changed since it was scored
      spdlog::warn("no class heat map for {}", error.what());
    }
  }
  spdlog::debug("class heat maps of {} photos in {:.1f} s", samples.size(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

}  // namespace

void map_classes_by_name(Dataset& dataset, const std::vector<std::string>& known) {
  std::vector<int> mapping;
  for (const auto& name : dataset.class_names) {
    const std::optional<size_t> found = find_name(known, name);
    if (!found) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw Error("class \"" + name + "\" of the evaluated data is not one of the run's classes (" + list + ")");
    }
    mapping.push_back(static_cast<int>(*found));
  }
  for (auto& sample : dataset.samples) sample.label = mapping[sample.label];
  dataset.class_names = known;
}

ScoredImages score_images(TrainedClassifier& classifier, const EvaluationRequest& request, SkippedFiles& skipped,
                          ProcessGroup* group) {
  const Experiment& experiment = classifier.experiment();
  Dataset dataset;
  std::vector<size_t> indices;
  if (request.other_dataset) {
    dataset = load_dataset(*request.other_dataset);
    map_classes_by_name(dataset, classifier.class_names());
    indices = official_or_all(dataset, request.split);
  } else {
    dataset = load_dataset(layout_options(experiment.data));
    if (dataset.class_names != classifier.class_names()) {
      throw Error(experiment.data.root.string() + ": the dataset's classes changed since the run was trained");
    }
    indices = make_split(dataset, split_options(experiment)).named(request.split);
  }
  if (indices.empty()) throw Error("the " + request.split + " split has no images to evaluate");
  for (const SkippedFile& file : dataset.unusable) skipped.add(file.path, file.reason);
  // tl-eval's passes run in model.precision, as training's did; tl-predict's stay float32, like the
  // module tl-export writes, so that the two agree. A fine-tuned backbone trained and validated in
  // float32 (unfreezing returns it there) and is scored so.
  for (const LoadedBackbone& loaded : classifier.backbones()) {
    if (!classifier.backbone_state().empty()) {
      loaded.backbone->set_feature_precision(torch::kFloat);
      spdlog::info("{}: features in float32, as the fine-tuned backbone was validated in training",
                   loaded.backbone->path().filename().string());
      continue;
    }
    choose_feature_precision(loaded, experiment.model.precision, dataset, indices, loader_options(experiment.data),
                             experiment.cache_directory);
  }
  ScoredImages scored = score_dataset(classifier, dataset, indices, "evaluate (" + request.split + ")", skipped, group);
  if (experiment.cache && (group == nullptr || group->writes())) {
    keep_cache_within(experiment.cache_directory, experiment.cache_max_bytes);
  }
  return scored;
}

ScoredImages score_dataset(TrainedClassifier& classifier, const Dataset& dataset, const std::vector<size_t>& indices,
                           const std::string& label, SkippedFiles& skipped, ProcessGroup* group) {
  const Experiment& experiment = classifier.experiment();
  const LoaderOptions loader = loader_options(experiment.data);
  for (const LoadedBackbone& loaded : classifier.backbones()) {
    check_batch_fits_memory(loaded.preprocessing, loader.batch_size, "data.batch_size");
  }
  ProcessGroup alone;
  // A fine-tuned backbone's features are not those of the file the cache is keyed by.
  const bool cached = experiment.cache && classifier.backbone_state().empty();
  // Every backbone's features in its own preprocessing (mirrored or not), side by side.
  const auto features_of = [&](bool mirrored, SkippedFiles& skipped_here, const std::string& label) {
    std::vector<FeatureSet> passes;
    for (const LoadedBackbone& loaded : classifier.backbones()) {
      Preprocessing preprocessing = loaded.preprocessing;
      preprocessing.mirrored = mirrored;
      std::optional<FeatureCache> cache;
      if (cached) {
        cache =
            open_pass_cache(experiment.cache_directory, loaded.backbone->feature_identity(), preprocessing, nullptr);
      }
      passes.push_back(extract_features_across(group != nullptr ? *group : alone, *loaded.backbone, dataset, indices,
                                               preprocessing, loader, skipped_here, cache ? &*cache : nullptr, label));
    }
    return concatenate_features(passes);
  };
  const FeatureSet features = features_of(false, skipped, label);
  torch::Tensor logits;
  if (features.size() > 0) logits = classifier.logits(features.features);
  if (classifier.tta() == TestTimeAugmentation::flip) {
    SkippedFiles skipped_again;  // the same files as the first pass, counted once
    const FeatureSet mirrored = features_of(true, skipped_again, label + ", mirrored");
    if (mirrored.sample_indices != features.sample_indices) {
      throw Error(label + ": the images changed between the plain and the mirrored pass (" +
                  std::to_string(features.size()) + " then " + std::to_string(mirrored.size()) + " decoded)");
    }
    if (features.size() > 0) logits = (logits + classifier.logits(mirrored.features)) / 2;
  }
  ScoredImages scored;
  scored.classes = classifier.class_names().size();
  if (features.size() > 0) {
    logits = logits.to(torch::kCPU).contiguous();
    scored.logits.assign(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
    const torch::Tensor label_tensor = features.labels.to(torch::kInt32).contiguous();
    scored.labels.assign(label_tensor.data_ptr<int>(), label_tensor.data_ptr<int>() + label_tensor.numel());
  }
  for (const size_t index : features.sample_indices) scored.paths.push_back(path_text(dataset.samples[index].path));
  scored.sample_indices = features.sample_indices;
  return scored;
}

EvaluationRecord evaluate(TrainedClassifier& classifier, const EvaluationRequest& request, SkippedFiles& skipped,
                          ProcessGroup* group) {
  const ScoredImages scored = score_images(classifier, request, skipped, group);
  EvaluationRecord record;
  ClassificationReport& report = record.report;
  report = make_classification_report(scored.logits, scored.labels, classifier.class_names());
  if (!scored.labels.empty()) {
    record.predictions =
        evaluated_images(scored.logits, scored.labels, scored.paths, scored.classes, static_cast<size_t>(report.k));
    report.highest_losses = highest_losses(record.predictions, kReportedHighestLosses);
    if (group == nullptr || group->writes()) draw_heat_maps(classifier, report.highest_losses);
  }
  report.calibration = measure_calibration(scored.logits, scored.labels, scored.classes);
  report.skipped_files = static_cast<int>(skipped.count());
  report.tta = name_of(classifier.tta());
  return record;
}

EvaluationRecord evaluate_run(const std::filesystem::path& run, const std::optional<std::filesystem::path>& checkpoint,
                              const std::string& device, const EvaluationRequest& request, SkippedFiles& skipped,
                              ProcessGroup* group) {
  const RunDirectory run_directory(run);
  TrainedClassifier classifier(run, checkpoint, resolve_device(device));
  EvaluationRecord record = evaluate(classifier, request, skipped, group);
  record.run = path_text(run);
  record.split = request.split;
  record.checkpoint = path_text(checkpoint.value_or(run_directory.best_checkpoint()));
  record.data_root =
      path_text(request.other_dataset ? request.other_dataset->root : run_directory.load_experiment().data.root);
  record.skipped = skipped.to_json();
  return record;
}

}  // namespace tl
