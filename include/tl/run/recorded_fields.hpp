#pragma once
// Reading the fields of a file tl wrote into a run or sweep directory (summary.json,
// eval_<split>.json, a metrics.jsonl line, results.json): each field is read as the type it must
// have, and a missing or mistyped one is a tl::Error naming the file and the field's path, e.g.
// "run/summary.json: samples.train: missing, or not an integer".
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tl {

class RecordedFields {
 public:
  // `file` names the file in errors; `object` is its top level. The object must outlive this.
  RecordedFields(const nlohmann::json& object, std::string file);

  // The file's "format" (1 when it has none: files from before formats were recorded). tl::Error
  // when it is not a positive integer or newer than `newest`, the newest this tl reads.
  int format(int newest) const;

  bool has(const char* name) const;  // present and not null
  int integer(const char* name) const;
  long long large_integer(const char* name) const;
  double number(const char* name) const;
  std::optional<double> number_or_null(const char* name) const;  // null or absent: nothing
  bool boolean(const char* name) const;
  std::string text(const char* name) const;
  std::vector<std::string> texts(const char* name) const;
  std::vector<int> integers(const char* name) const;
  RecordedFields object(const char* name) const;
  const nlohmann::json& array(const char* name) const;
  const nlohmann::json& any(const char* name) const;  // present, of any type
  // The `index`th element of the list `name`, which must be an object.
  RecordedFields element(const char* name, size_t index) const;

  // "file: path.name", e.g. "summary.json: samples.train", for errors of the caller's own.
  std::string where(const char* name) const { return file_ + ": " + path_ + name; }

 private:
  RecordedFields(const nlohmann::json& object, std::string file, std::string path);
  const nlohmann::json& required(const char* name, bool (nlohmann::json::*is_type)() const noexcept,
                                 const char* expected) const;

  const nlohmann::json& object_;
  std::string file_;
  std::string path_;  // the keys that lead to this object, each followed by a dot
};

}  // namespace tl
