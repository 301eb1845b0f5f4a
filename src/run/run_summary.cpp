#include "tl/run/run_summary.hpp"

#include "tl/base/json_file.hpp"
#include "tl/run/recorded_fields.hpp"
#include "tl/run/run_directory.hpp"

namespace tl {
namespace {

nlohmann::json feature_extraction_json(const FeatureExtractionSummary& summary) {
  return {{"images", summary.images},
          {"computed_by_backbone", summary.computed_by_backbone},
          {"from_cache", summary.from_cache},
          {"seconds", summary.seconds},
          {"images_per_second", summary.images_per_second},
          {"cache", summary.cache},
          {"cache_damaged_entries", summary.cache_damaged_entries}};
}

FeatureExtractionSummary feature_extraction_from(const RecordedFields& fields) {
  FeatureExtractionSummary summary;
  summary.images = fields.large_integer("images");
  summary.computed_by_backbone = fields.large_integer("computed_by_backbone");
  summary.from_cache = fields.large_integer("from_cache");
  summary.seconds = fields.number("seconds");
  summary.images_per_second = fields.number("images_per_second");
  summary.cache = fields.text("cache");
  summary.cache_damaged_entries = fields.large_integer("cache_damaged_entries");
  return summary;
}

// A stage's details: an object, or null when the stage did not apply.
nlohmann::json details(const RecordedFields& fields, const char* name) {
  if (!fields.has(name)) return nullptr;
  fields.object(name);  // checks the type
  return fields.any(name);
}

}  // namespace

nlohmann::json RunSummary::to_json() const {
  return {{"format", kFormat},
          {"name", name},
          {"tl", {{"version", tl_version}, {"commit", tl_commit}, {"command_line", command_line}}},
          {"run_directory", run_directory},
          {"classes", classes},
          {"samples", {{"train", samples.train}, {"val", samples.val}, {"test", samples.test}}},
          {"class_counts", {{"train", class_counts.train}, {"val", class_counts.val}, {"test", class_counts.test}}},
          {"skipped_files", skipped_files},
          {"epochs", epochs},
          {"epochs_configured", epochs_configured},
          {"stopped_early", stopped_early},
          {"best_epoch", best_epoch},
          {"selected_by", selected_by},
          {"best", best.to_json()},
          {"last", last.to_json()},
          {"augmentation", augmentation},
          {"head_fit", head_fit},
          {"eval", {{"tta", eval_tta}}},
          {"fine_tune", fine_tune},
          {"calibration", calibration},
          {"feature_extraction", feature_extraction_json(feature_extraction)},
          {"feature_precision", feature_precision},
          {"backbone", backbone.to_json()},
          {"device", device},
          {"cpu_threads", cpu_threads},
          {"ranks", ranks},
          {"trained_parameters", trained_parameters},
          {"seconds", seconds}};
}

RunSummary RunSummary::from_json(const nlohmann::json& recorded, const std::string& file) {
  const RecordedFields fields(recorded, file);
  RunSummary summary;
  summary.format = fields.format(kFormat);
  // Fields that format 1 files may lack (added before the format was recorded) are required from 2 on.
  const auto recorded_since_format_2 = [&](const char* name) { return summary.format >= 2 || fields.has(name); };
  summary.name = fields.text("name");
  if (recorded_since_format_2("tl")) {
    const RecordedFields tl = fields.object("tl");
    summary.tl_version = tl.text("version");
    summary.tl_commit = tl.text("commit");
    summary.command_line = tl.text("command_line");
  }
  summary.run_directory = fields.text("run_directory");
  summary.classes = fields.texts("classes");
  const RecordedFields samples = fields.object("samples");
  summary.samples = {samples.large_integer("train"), samples.large_integer("val"), samples.large_integer("test")};
  if (recorded_since_format_2("class_counts")) {
    const RecordedFields counts = fields.object("class_counts");
    summary.class_counts = {counts.integers("train"), counts.integers("val"), counts.integers("test")};
  }
  summary.skipped_files = fields.large_integer("skipped_files");
  summary.epochs = fields.integer("epochs");
  summary.epochs_configured =
      recorded_since_format_2("epochs_configured") ? fields.integer("epochs_configured") : summary.epochs;
  if (recorded_since_format_2("stopped_early")) summary.stopped_early = fields.boolean("stopped_early");
  summary.best_epoch = fields.integer("best_epoch");
  summary.selected_by = fields.text("selected_by");
  summary.best = EpochMetrics::from_json(fields.any("best"), fields.where("best"));
  summary.last = EpochMetrics::from_json(fields.any("last"), fields.where("last"));
  summary.augmentation = details(fields, "augmentation");
  summary.head_fit = details(fields, "head_fit");
  summary.fine_tune = details(fields, "fine_tune");
  summary.calibration = details(fields, "calibration");
  if (recorded_since_format_2("eval")) summary.eval_tta = fields.object("eval").text("tta");
  summary.feature_extraction = feature_extraction_from(fields.object("feature_extraction"));
  if (fields.has("feature_precision")) summary.feature_precision = fields.any("feature_precision");
  summary.backbone = BackboneSummary::from_json(fields.any("backbone"), fields.where("backbone"));
  summary.device = fields.text("device");
  summary.cpu_threads = fields.integer("cpu_threads");
  if (recorded_since_format_2("ranks")) summary.ranks = fields.integer("ranks");
  if (recorded_since_format_2("trained_parameters"))
    summary.trained_parameters = fields.large_integer("trained_parameters");
  summary.seconds = fields.number("seconds");
  return summary;
}

RunSummary read_run_summary(const std::filesystem::path& file) {
  return RunSummary::from_json(read_json_file(file, kMaxRunRecordBytes), file.string());
}

}  // namespace tl
