#pragma once
// The results of a sweep: one row per variant (the values it varied, its metrics, how long it took,
// or why it failed), ranked by the sweep's metric with the best variant marked, checked against
// the gates, and written as CSV, JSON and Markdown for people and scripts alike. A sweep over folds
// also ranks its recipes by their mean over the folds, each with its standard deviation.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tl/sweep/sweep.hpp"

namespace tl {

struct VariantResult {
  std::string name;
  std::string recipe;  // the sweep file's variant this run belongs to (its name without folds)
  int fold = -1;       // the validation fold it held out; -1 without folds
  std::vector<std::pair<std::string, nlohmann::json>> values;
  bool ok = false;
  std::string error;                      // why it failed
  std::map<std::string, double> metrics;  // kSweepMetrics
  int epochs = 0;
  double wall_seconds = 0.0;       // training + evaluation, as the sweep timed them
  double images_per_second = 0.0;  // the backbone pass (features from the cache count too)
  bool best = false;
  std::vector<std::string> missed_gates;  // one line per gate this variant missed

  // A row of results.json (docs/schema/sweep_results.schema.json); `run` is the variant's run directory.
  nlohmann::json to_json(const std::filesystem::path& run) const;
  // Throws tl::Error naming `file`, the row and the field. Varied values come back in name order.
  static VariantResult from_json(const nlohmann::json& row, const std::string& file, size_t index);
};

// The format results.json is written in (files without one are the same format).
inline constexpr int kSweepResultsFormat = 1;

// Metrics of a finished variant from its run directory (summary.json, eval_<split>.json).
// Throws tl::Error naming the missing or malformed file.
VariantResult read_variant_result(const SweepVariant& variant, const std::string& split);

// Sorts by `metric` (highest first; val_loss lowest first), failed variants last, and marks the best.
void rank_results(std::vector<VariantResult>& results, const std::string& metric);

// One recipe of a sweep over folds: each metric's mean and sample standard deviation over its folds.
// Figures only once every fold has finished: a mean over some folds would rank on other images.
struct RecipeResult {
  std::string name;
  std::vector<std::pair<std::string, nlohmann::json>> values;
  int folds = 0;
  int finished = 0;  // folds finished with metrics (a failed fold leaves the recipe without figures)
  std::map<std::string, double> mean, deviation;  // kSweepMetrics; empty until every fold finished
  bool best = false;

  bool complete() const { return folds > 0 && finished == folds; }
  nlohmann::json to_json() const;
};

// The recipes of a sweep over folds, complete ones ranked by their mean `metric` (as rank_results
// does), the best marked; empty without folds.
std::vector<RecipeResult> summarize_recipes(const Sweep& sweep, const std::vector<VariantResult>& results);

// Checks each finished variant against the sweep's gates, its own and `extra`; records and returns
// one line per missed gate.
std::vector<std::string> apply_gates(std::vector<VariantResult>& results, const Sweep& sweep,
                                     const std::vector<Gate>& extra);

// The results table's cells (variant, varied values, status, metrics, timing, gates, error), shared
// by the CSV, Markdown and HTML forms.
struct ResultsTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
ResultsTable make_results_table(const Sweep& sweep, const std::vector<VariantResult>& results);
// The recipes' cells (recipe, varied values, folds finished, each metric's mean ± deviation).
ResultsTable make_recipes_table(const Sweep& sweep, const std::vector<RecipeResult>& recipes);

// results.csv, results.json, results.md and report.html in the sweep directory, each written atomically.
void write_results(const Sweep& sweep, const std::vector<VariantResult>& results);
std::string results_markdown(const Sweep& sweep, const std::vector<VariantResult>& results);

// Results a previous, interrupted sweep left in its results.json (by variant name); empty if none,
// and empty with a warning naming the file when it cannot be read (the sweep only loses timings).
std::map<std::string, VariantResult> previous_results(const Sweep& sweep);

}  // namespace tl
