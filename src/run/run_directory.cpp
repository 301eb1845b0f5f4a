#include "tl/run/run_directory.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "tl/base/atomic_file.hpp"
#include "tl/base/content_hash.hpp"
#include "tl/base/error.hpp"
#include "tl/base/file_bytes.hpp"
#include "tl/base/json_file.hpp"
#include "tl/config/config_source.hpp"

namespace fs = std::filesystem;

namespace tl {
namespace {

nlohmann::json read_json(const fs::path& path, const fs::path& run) {
  if (!fs::exists(path)) {
    throw Error(run.string() + ": not a tl run directory (missing " + path.filename().string() + ")");
  }
  return read_json_file(path, kMaxRunRecordBytes);
}

}  // namespace

RunDirectory::RunDirectory(fs::path path) : path_(std::move(path)) {}

bool RunDirectory::holds_run() const { return fs::exists(config()); }

void RunDirectory::claim(bool replace) const {
  if (!holds_run()) return;
  if (!replace) {
    throw Error(path_.string() +
                ": already holds a run; choose another output.dir (--set output.dir=DIR) "
                "or replace it with --overwrite");
  }
  for (const auto& file : {config(), classes(), metrics(), best_checkpoint(), last_checkpoint(), summary(), skipped(),
                           report(), label_issues()}) {
    fs::remove(file);
  }
  for (const fs::path& evaluation_file : evaluations()) {
    fs::remove(evaluation_file);
    fs::remove(predictions_beside(evaluation_file));
  }
}

fs::path RunDirectory::predictions_beside(const fs::path& evaluation_file) {
  const std::string name = evaluation_file.filename().string();
  if (name.rfind("eval_", 0) == 0 && evaluation_file.extension() == ".json") {
    return evaluation_file.parent_path() / ("predictions_" + name.substr(5, name.size() - 10) + ".csv");
  }
  return evaluation_file.parent_path() / (evaluation_file.stem().string() + ".predictions.csv");
}

fs::path RunDirectory::evaluation_on(const std::string& split, const fs::path& data_root) const {
  std::string folder = data_root.lexically_normal().filename().string();
  if (folder.empty()) folder = data_root.lexically_normal().parent_path().filename().string();
  const std::string original = folder;
  for (char& c : folder) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  }
  if (folder.empty()) folder = "dataset";
  // A file name has at most 255 bytes, and its temporary while written some 20 more: a long folder
  // name is cut, with a hash of the whole so that two long names still differ.
  constexpr size_t kLongestName = 200;
  const std::string prefix = "eval_" + split + "_on_", suffix = ".json";
  if (prefix.size() + folder.size() + suffix.size() > kLongestName) {
    folder =
        folder.substr(0, kLongestName - prefix.size() - suffix.size() - 9) + "-" + sha256_bytes(original).substr(0, 8);
  }
  return path_ / (prefix + folder + suffix);
}

std::vector<fs::path> RunDirectory::evaluations() const {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(path_)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("eval_", 0) == 0 && entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void RunDirectory::start(const Experiment& experiment, const std::vector<std::string>& class_names) const {
  std::error_code error;
  fs::create_directories(path_, error);
  if (error) throw Error(path_.string() + ": cannot create run directory: " + error.message());
  write_json(config(), experiment.resolved);
  write_json(classes(), class_names);
  write_file_atomically(metrics(), "");
}

void RunDirectory::append_metrics(const EpochMetrics& line) const {
  // Rewritten whole each time: a few hundred lines at most, and a reader never sees half a line.
  write_file_atomically(metrics(), metrics_text() + line.to_json().dump() + "\n");
}

std::string RunDirectory::metrics_text() const {
  if (!fs::exists(metrics())) return "";
  return read_regular_file_or_throw(metrics(), kMaxRunListBytes);
}

std::vector<EpochMetrics> RunDirectory::load_metrics(TornLastLine torn) const {
  std::vector<EpochMetrics> lines;
  const std::string text = metrics_text();
  std::istringstream stream(text);
  int number = 0;
  size_t consumed = 0;
  for (std::string line; std::getline(stream, line);) {
    ++number;
    consumed += line.size() + 1;
    if (line.empty()) continue;
    const std::string where = metrics().string() + " line " + std::to_string(number);
    try {
      const auto parsed = nlohmann::json::parse(line, nullptr, false);
      if (parsed.is_discarded()) throw Error(where + ": not JSON: " + line);
      lines.push_back(EpochMetrics::from_json(parsed, where));
    } catch (const Error&) {
      const bool last = text.find_first_not_of('\n', std::min(consumed, text.size())) == std::string::npos;
      if (torn != TornLastLine::dropped || !last) throw;
    }
  }
  return lines;
}

void RunDirectory::remove_stale_temporaries() const {
  for (const auto& entry : fs::directory_iterator(path_)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 1 && name[0] == '.' && name.find(".tmp-") != std::string::npos) fs::remove(entry.path());
  }
}

void RunDirectory::rewrite_metrics(const std::vector<EpochMetrics>& lines) const {
  std::string text;
  for (const EpochMetrics& line : lines) text += line.to_json().dump() + "\n";
  write_file_atomically(metrics(), text);
}

void RunDirectory::write_json(const fs::path& file, const nlohmann::json& content) const {
  write_file_atomically(file, content.dump(2) + "\n");
}

Experiment RunDirectory::load_experiment() const {
  return tl::load_experiment(ConfigSource::from_json(read_json(config(), path_), config().string(), path_));
}

std::vector<std::string> RunDirectory::load_class_names() const {
  const auto json = read_json(classes(), path_);
  if (!json.is_array() || json.empty()) throw Error(classes().string() + ": expected a list of class names");
  return json.get<std::vector<std::string>>();
}

}  // namespace tl
