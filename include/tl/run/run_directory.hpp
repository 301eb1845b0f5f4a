#pragma once
// RunDirectory: the unit of everything tl does. One folder per training run holding the resolved
// config, the class map, per-epoch metrics, checkpoints, the summary and the skipped files, so every
// later command needs only the folder. Every file in it is replaced atomically.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tl/config/experiment.hpp"
#include "tl/run/epoch_metrics.hpp"

namespace tl {

// The most tl reads of a run's files, by kind: far above what a run writes (a summary is a few
// kilobytes; 300,000 epochs of metrics are 75 MB), far below what would exhaust memory. A file over
// its limit, or one that is not a regular file (a FIFO, a link to /dev/zero), is an error naming it.
inline constexpr uint64_t kMaxRunRecordBytes = 16ULL << 20;  // config.json, classes.json, summary.json
inline constexpr uint64_t kMaxRunListBytes = 256ULL << 20;   // metrics.jsonl, skipped.json, eval_*.json

class RunDirectory {
 public:
  explicit RunDirectory(std::filesystem::path path);

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path config() const { return path_ / "config.json"; }
  std::filesystem::path classes() const { return path_ / "classes.json"; }
  std::filesystem::path metrics() const { return path_ / "metrics.jsonl"; }
  std::filesystem::path best_checkpoint() const { return path_ / "best.pt"; }
  std::filesystem::path last_checkpoint() const { return path_ / "last.pt"; }
  std::filesystem::path summary() const { return path_ / "summary.json"; }
  std::filesystem::path skipped() const { return path_ / "skipped.json"; }
  std::filesystem::path report() const { return path_ / "report.html"; }
  // Training images whose label the out-of-fold probabilities doubt (train.folds; label_issues.hpp).
  std::filesystem::path label_issues() const { return path_ / "label_issues.json"; }
  // tl-eval's figures for one of the run's own splits (eval_<split>.json, which the report shows),
  // and for a split of another dataset (eval_<split>_on_<its folder>.json), which never replace them.
  std::filesystem::path evaluation(const std::string& split) const { return path_ / evaluation_name(split); }
  static std::string evaluation_name(const std::string& split) { return "eval_" + split + ".json"; }
  std::filesystem::path evaluation_on(const std::string& split, const std::filesystem::path& data_root) const;
  // Every evaluation file the run holds, of either kind, in name order.
  std::vector<std::filesystem::path> evaluations() const;
  // Where the per-image predictions of an evaluation file go: eval_<rest>.json gives
  // predictions_<rest>.csv beside it, any other name <stem>.predictions.csv.
  static std::filesystem::path predictions_beside(const std::filesystem::path& evaluation_file);

  bool holds_run() const;  // a previous run's config.json is there
  // Refuses a folder that holds a previous run unless `replace` is set; then removes that run's
  // files (and only those) so old and new results never mix.
  void claim(bool replace) const;
  // Creates the folder and records the experiment and its classes.
  void start(const Experiment& experiment, const std::vector<std::string>& class_names) const;
  void append_metrics(const EpochMetrics& line) const;
  // tl::Error naming the file and line when one is not an epoch's metrics.
  // With TornLastLine::dropped, an unreadable last line (a write cut short) is left out, for a resume
  // that has the epoch in last.pt.
  enum class TornLastLine { error, dropped };
  std::vector<EpochMetrics> load_metrics(TornLastLine torn = TornLastLine::error) const;
  // Temporary files a killed process left mid-write (the files they were replacing are intact).
  void remove_stale_temporaries() const;
  void rewrite_metrics(const std::vector<EpochMetrics>& lines) const;
  void write_json(const std::filesystem::path& file, const nlohmann::json& content) const;

  // For commands that open a finished run: tl::Error naming the folder when it is not a run.
  Experiment load_experiment() const;
  std::vector<std::string> load_class_names() const;

 private:
  std::string metrics_text() const;  // empty while there is no metrics.jsonl

  std::filesystem::path path_;
};

}  // namespace tl
