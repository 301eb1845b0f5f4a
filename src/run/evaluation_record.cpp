#include "tl/run/evaluation_record.hpp"

#include "tl/base/json_file.hpp"
#include "tl/run/recorded_fields.hpp"
#include "tl/run/run_directory.hpp"

namespace tl {

nlohmann::json EvaluationRecord::to_json() const {
  nlohmann::json json = tl::to_json(report);
  json["format"] = kFormat;
  json["run"] = run;
  json["split"] = split;
  json["checkpoint"] = checkpoint;
  json["data_root"] = data_root;
  json["skipped"] = skipped;
  return json;
}

EvaluationRecord EvaluationRecord::from_json(const nlohmann::json& recorded, const std::string& file) {
  const RecordedFields fields(recorded, file);
  EvaluationRecord record;
  record.format = fields.format(kFormat);
  record.run = fields.text("run");
  record.split = fields.text("split");
  record.checkpoint = fields.text("checkpoint");
  record.data_root = fields.text("data_root");
  record.skipped = fields.array("skipped");
  record.report = classification_report_from_json(recorded, file);
  record.lists_highest_losses = record.format >= 2 || fields.has("highest_losses");
  if (record.format >= 2) {  // optional only in format 1: checked, the report has read them
    fields.text("tta");
    fields.array("highest_losses");
  }
  return record;
}

EvaluationRecord read_evaluation_record(const std::filesystem::path& file) {
  return EvaluationRecord::from_json(read_json_file(file, kMaxRunListBytes), file.string());
}

}  // namespace tl
