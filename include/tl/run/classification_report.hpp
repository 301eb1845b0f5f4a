#pragma once
// ClassificationReport: how well scored predictions match labels. Top-1 and top-k accuracy, mean
// per-class accuracy (the mean recall over classes that have samples, so small classes count as
// much as large ones), per-class precision/recall/F1/support, and the confusion matrix
// (rows: true class, columns: predicted class). Computed from plain arrays: no tensors needed.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tl/run/calibration.hpp"
#include "tl/run/highest_losses.hpp"

namespace tl {

struct ClassStatistics {
  std::string name;
  double precision = 0, recall = 0, f1 = 0;
  int support = 0;    // samples whose true class this is
  int predicted = 0;  // samples predicted as this class
};

struct ConfusionCell {
  int true_class = 0;
  int predicted = 0;
  int count = 0;
};

// Up to this many classes the JSON also carries the dense matrix, easy to read by eye or script.
inline constexpr size_t kDenseConfusionClasses = 100;

struct ClassificationReport {
  int samples = 0;
  int k = 1;
  double top1 = 0, topk = 0, mean_per_class_accuracy = 0;
  std::vector<ClassStatistics> classes;
  std::vector<ConfusionCell> confusion;  // nonzero cells, by true class then predicted class
  int skipped_files = 0;
  std::vector<LossySample> highest_losses;  // filled by evaluation, which knows the photos
  std::string tta = "none";                 // how evaluation combined passes per image (eval.tta)
  std::optional<Calibration> calibration;   // filled by evaluation, from logits; absent in older files
};

// scores: samples x classes, row-major (logits or probabilities: only the order matters).
// k = min(5, classes) when not given. Throws tl::Error on inconsistent sizes or labels.
ClassificationReport make_classification_report(const std::vector<float>& scores, const std::vector<int>& labels,
                                                const std::vector<std::string>& class_names, int k = 0);

nlohmann::json to_json(const ClassificationReport& report);
// The report back from its JSON, as to_json writes it or as tl wrote it before (a dense confusion
// matrix only, no tta, no highest_losses, no calibration). Throws tl::Error naming `file` and the field.
ClassificationReport classification_report_from_json(const nlohmann::json& recorded, const std::string& file);
std::string format_report(const ClassificationReport& report);  // a readable table for a terminal

}  // namespace tl
