#pragma once
// summary.json: what a finished training run did, written once by tl-train and read by tl-info,
// tl-report, tl-sweep and tl-train's closing lines through this one type. Files carry their format;
// a file without one is format 1 (tl before the format was recorded), whose missing fields read as
// the defaults below. The schema is docs/schema/summary.schema.json.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tl/run/backbone_summary.hpp"
#include "tl/run/epoch_metrics.hpp"

namespace tl {

struct SplitSizes {
  long long train = 0, val = 0, test = 0;
};

struct SplitClassCounts {  // images per class, in the order of the run's classes; empty in format 1
  std::vector<int> train, val, test;
};

// The run's backbone passes: those that gave it its features, and fine-tuning's validation passes
// through the whole backbone (the frozen prefix's passes are in the fine_tune details instead).
struct FeatureExtractionSummary {
  long long images = 0;
  long long computed_by_backbone = 0;
  long long from_cache = 0;
  double seconds = 0;
  double images_per_second = 0;
  std::string cache = "off";  // the cache folder used, or "off"
  long long cache_damaged_entries = 0;
};

struct RunSummary {
  static constexpr int kFormat = 2;
  int format = kFormat;  // of the file it was read from; to_json always writes kFormat
  std::string name;
  std::string tl_version, tl_commit, command_line;  // empty in format 1
  std::string run_directory;
  std::vector<std::string> classes;
  SplitSizes samples;
  SplitClassCounts class_counts;
  long long skipped_files = 0;
  int epochs = 0;             // run, over all stages
  int epochs_configured = 0;  // planned; format 1: as many as were run
  bool stopped_early = false;
  int best_epoch = 0;
  std::string selected_by;  // val_loss | val_accuracy | train_loss
  EpochMetrics best, last;
  // Stage details shown as recorded (their own shapes are in the schema); null when they do not apply.
  nlohmann::json augmentation;  // {views, settings} when training saw augmented views
  nlohmann::json head_fit;      // what a solved (logistic) head chose
  nlohmann::json fine_tune;     // the fine-tuning stage's epochs, unfrozen blocks and timing
  // Temperature scaling when training ended ({method, temperature, val: the validation split's log
  // loss and ECE before and after}); null when eval.calibration is none or there is no val split.
  nlohmann::json calibration;
  std::string eval_tta = "none";
  FeatureExtractionSummary feature_extraction;
  // Per backbone, in order: the precision its feature pass ran in and why (PrecisionChoice::to_json);
  // null in files from tl before model.precision.
  nlohmann::json feature_precision;
  BackboneSummary backbone;
  std::string device;
  int cpu_threads = 0;
  int ranks = 1;
  long long trained_parameters = 0;
  double seconds = 0;

  nlohmann::json to_json() const;
  // Throws tl::Error naming `file` and the field, or the format when the file is from a newer tl.
  static RunSummary from_json(const nlohmann::json& recorded, const std::string& file);
};

// Reads and checks a summary.json; tl::Error names the file and what is wrong.
RunSummary read_run_summary(const std::filesystem::path& file);

}  // namespace tl
