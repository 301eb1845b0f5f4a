#pragma once
// Evaluation of a trained run: on a split of its own dataset (the same deterministic split it was
// trained with), or on another dataset in any supported layout whose class names are mapped by
// name onto the run's classes. A class the run does not know is an error; classes absent from the
// evaluated data are fine (they simply have no support).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tl/data/dataset.hpp"
#include "tl/data/skipped_files.hpp"
#include "tl/dist/process_group.hpp"
#include "tl/run/classification_report.hpp"
#include "tl/run/evaluation_record.hpp"

namespace tl {

class TrainedClassifier;

// How many of the worst-scored photos an evaluation report names (a report shows them as thumbnails).
inline constexpr size_t kReportedHighestLosses = 30;

struct EvaluationRequest {
  std::string split = "test";                  // train | val | test
  std::optional<LayoutOptions> other_dataset;  // evaluate this instead of the run's own data
};

// The logits a run's classifier gives the images of a split (with its eval.tta), as evaluation
// scores them: samples x classes, row-major, with each image's label and path.
struct ScoredImages {
  std::vector<float> logits;
  std::vector<int> labels;
  std::vector<std::string> paths;
  std::vector<size_t> sample_indices;  // each row's sample in the dataset scored (decodable ones only)
  size_t classes = 0;
};
ScoredImages score_images(TrainedClassifier& classifier, const EvaluationRequest& request, SkippedFiles& skipped,
                          ProcessGroup* group = nullptr);
// The same for `indices` of any dataset (tl-predict's files), with `label` on the progress lines;
// files that cannot be decoded are left out and counted in `skipped`.
ScoredImages score_dataset(TrainedClassifier& classifier, const Dataset& dataset, const std::vector<size_t>& indices,
                           const std::string& label, SkippedFiles& skipped, ProcessGroup* group = nullptr);

// The report and every image's prediction (the record's other fields are evaluate_run's). With
// another dataset: layouts with an official split use its lists (test -> test lines, train/val ->
// trainval lines); other layouts are evaluated whole. With a group, each rank computes its share of
// the images and every rank gets the whole result (equal to one process's).
EvaluationRecord evaluate(TrainedClassifier& classifier, const EvaluationRequest& request, SkippedFiles& skipped,
                          ProcessGroup* group = nullptr);

// The same for a run directory's checkpoint (default <run>/best.pt) on a device (auto | cpu | cuda[:N]),
// as the record tl-eval writes: the report with the run, checkpoint, data and skipped files it is of.
EvaluationRecord evaluate_run(const std::filesystem::path& run, const std::optional<std::filesystem::path>& checkpoint,
                              const std::string& device, const EvaluationRequest& request, SkippedFiles& skipped,
                              ProcessGroup* group = nullptr);

// Relabels a dataset's samples with the indices of `known` classes, matching names exactly and then
// ignoring case ("Cat" matches "cat"). Throws tl::Error naming the unknown class.
void map_classes_by_name(Dataset& dataset, const std::vector<std::string>& known);

}  // namespace tl
