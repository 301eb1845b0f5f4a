#pragma once
// eval_<split>.json: tl-eval's figures for one split of a run's data or of another dataset, with
// where they came from (run, checkpoint, data), written by the evaluation and read by tl-info,
// tl-report and tl-sweep through this one type. A file without a format is format 1 (tl before
// the format was recorded). The schema is docs/schema/evaluation.schema.json.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "tl/run/classification_report.hpp"
#include "tl/run/evaluated_images.hpp"

namespace tl {

struct EvaluationRecord {
  static constexpr int kFormat = 2;
  int format = kFormat;  // of the file it was read from; to_json always writes kFormat
  std::string run;
  std::string split;                                 // train | val | test
  std::string checkpoint;                            // the weights evaluated
  std::string data_root;                             // the run's own data, or the other dataset's folder
  nlohmann::json skipped = nlohmann::json::array();  // [{path, reason}] of the files skipped
  ClassificationReport report;
  bool lists_highest_losses = true;  // false for format 1 files from before the list existed
  // Every evaluated image's prediction: not in the JSON, tl-eval writes them as CSV (predictions_csv).
  std::vector<EvaluatedImage> predictions;

  nlohmann::json to_json() const;
  // Throws tl::Error naming `file` and the field, or the format when the file is from a newer tl.
  static EvaluationRecord from_json(const nlohmann::json& recorded, const std::string& file);
};

EvaluationRecord read_evaluation_record(const std::filesystem::path& file);

}  // namespace tl
