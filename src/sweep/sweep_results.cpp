#include "tl/sweep/sweep_results.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include <spdlog/spdlog.h>

#include "tl/base/atomic_file.hpp"
#include "tl/base/csv_cell.hpp"
#include "tl/base/error.hpp"
#include "tl/base/json_file.hpp"
#include "tl/base/utf8_text.hpp"
#include "tl/run/evaluation_record.hpp"
#include "tl/run/recorded_fields.hpp"
#include "tl/run/run_directory.hpp"
#include "tl/run/run_summary.hpp"
#include "tl/sweep/sweep_report.hpp"

namespace fs = std::filesystem;

namespace tl {
namespace {

bool lower_is_better(const std::string& metric) { return metric == "val_loss"; }

std::string format_value(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string format_fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

}  // namespace

namespace {

// A cell per varied key: the value this row set, or empty.
void add_varied_cells(std::vector<std::string>& row, const Sweep& sweep,
                      const std::vector<std::pair<std::string, nlohmann::json>>& values) {
  for (const auto& key : sweep.varied_keys) {
    const auto found =
        std::find_if(values.begin(), values.end(), [&](const auto& value) { return value.first == key; });
    row.push_back(found == values.end() ? "" : format_value(found->second));
  }
}

}  // namespace

ResultsTable make_results_table(const Sweep& sweep, const std::vector<VariantResult>& results) {
  ResultsTable table;
  table.header = {"best", "variant"};
  for (const auto& key : sweep.varied_keys) table.header.push_back(key);
  for (const char* column : {"status", "top1", "mean_per_class", "val_accuracy", "val_loss", "epochs", "wall_s",
                             "images_per_s", "gates", "error"}) {
    table.header.emplace_back(column);
  }
  for (const auto& result : results) {
    std::vector<std::string> row{result.best ? "*" : "", result.name};
    add_varied_cells(row, sweep, result.values);
    row.emplace_back(result.ok ? "ok" : "failed");
    for (const char* metric : {"top1", "mean_per_class", "val_accuracy", "val_loss"}) {
      row.push_back(result.ok ? format_fixed(result.metrics.at(metric), 4) : "");
    }
    row.push_back(result.ok ? std::to_string(result.epochs) : "");
    row.push_back(format_fixed(result.wall_seconds, 1));
    row.push_back(result.ok ? format_fixed(result.images_per_second, 1) : "");
    row.emplace_back(!result.ok ? "" : result.missed_gates.empty() ? "passed" : "missed");
    row.push_back(result.error);
    table.rows.push_back(std::move(row));
  }
  return table;
}

ResultsTable make_recipes_table(const Sweep& sweep, const std::vector<RecipeResult>& recipes) {
  ResultsTable table;
  table.header = {"best", "recipe"};
  for (const auto& key : sweep.varied_keys) table.header.push_back(key);
  table.header.emplace_back("folds");
  for (const char* metric : kSweepMetrics) table.header.emplace_back(std::string(metric) + " (mean ± sd)");
  for (const auto& recipe : recipes) {
    std::vector<std::string> row{recipe.best ? "*" : "", recipe.name};
    add_varied_cells(row, sweep, recipe.values);
    row.push_back(std::to_string(recipe.finished) + "/" + std::to_string(recipe.folds));
    for (const char* metric : kSweepMetrics) {
      row.push_back(recipe.complete()
                        ? format_fixed(recipe.mean.at(metric), 4) + " ± " + format_fixed(recipe.deviation.at(metric), 4)
                        : "");
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

namespace {

// Markdown renderers pass HTML through: markup in a value or an error is escaped, and so are the
// table's own separators.
std::string markdown_cell(const std::string& cell) {
  std::string escaped;
  for (char c : cell) {
    switch (c) {
      case '|': escaped += "\\|"; break;
      case '\n': escaped += " "; break;
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      case '&': escaped += "&amp;"; break;
      default: escaped += c;
    }
  }
  return escaped;
}

}  // namespace

VariantResult read_variant_result(const SweepVariant& variant, const std::string& split) {
  const RunDirectory run(variant.experiment.run_directory);
  const RunSummary summary = read_run_summary(run.summary());
  const EvaluationRecord evaluation = read_evaluation_record(run.evaluation(split));
  if (!summary.best.val_accuracy || !summary.best.val_loss) {
    throw Error(run.summary().string() +
                ": best.val_accuracy: none, as the run had no validation split; a sweep "
                "compares variants on their validation figures");
  }
  VariantResult result;
  result.name = variant.name;
  result.recipe = variant.recipe;
  result.fold = variant.fold;
  result.values = variant.values;
  result.ok = true;
  result.metrics["top1"] = evaluation.report.top1;
  result.metrics["mean_per_class"] = evaluation.report.mean_per_class_accuracy;
  result.metrics["val_accuracy"] = *summary.best.val_accuracy;
  result.metrics["val_loss"] = *summary.best.val_loss;
  result.epochs = summary.epochs;
  result.images_per_second = summary.feature_extraction.images_per_second;
  return result;
}

std::vector<RecipeResult> summarize_recipes(const Sweep& sweep, const std::vector<VariantResult>& results) {
  std::vector<RecipeResult> recipes;
  if (sweep.folds < 2) return recipes;
  for (const auto& variant : sweep.variants) {
    if (!recipes.empty() && recipes.back().name == variant.recipe) {
      ++recipes.back().folds;
      continue;
    }
    RecipeResult recipe;
    recipe.name = variant.recipe;
    recipe.values = variant.values;
    recipe.folds = 1;
    recipes.push_back(std::move(recipe));
  }
  for (auto& recipe : recipes) {
    std::vector<const VariantResult*> folds;
    for (const auto& result : results) {
      if (result.recipe == recipe.name && result.ok) folds.push_back(&result);
    }
    recipe.finished = static_cast<int>(folds.size());
    if (!recipe.complete()) continue;
    for (const char* metric : kSweepMetrics) {
      double sum = 0.0;
      for (const VariantResult* fold : folds) sum += fold->metrics.at(metric);
      const double mean = sum / static_cast<double>(folds.size());
      double squares = 0.0;
      for (const VariantResult* fold : folds)
        squares += (fold->metrics.at(metric) - mean) * (fold->metrics.at(metric) - mean);
      recipe.mean[metric] = mean;
      recipe.deviation[metric] = std::sqrt(squares / static_cast<double>(folds.size() - 1));
    }
  }
  const bool ascending = lower_is_better(sweep.metric);
  std::stable_sort(recipes.begin(), recipes.end(), [&](const RecipeResult& a, const RecipeResult& b) {
    if (a.complete() != b.complete()) return a.complete();
    if (!a.complete()) return false;
    const double x = a.mean.at(sweep.metric), y = b.mean.at(sweep.metric);
    return ascending ? x < y : x > y;
  });
  if (!recipes.empty() && recipes.front().complete()) recipes.front().best = true;
  return recipes;
}

nlohmann::json RecipeResult::to_json() const {
  nlohmann::json values_object = nlohmann::json::object();
  for (const auto& [key, value] : values) values_object[key] = value;
  nlohmann::json row = {
      {"name", name}, {"values", values_object}, {"folds", folds}, {"finished", finished}, {"best", best}};
  if (complete()) {
    row["mean"] = mean;
    row["deviation"] = deviation;
  }
  return row;
}

void rank_results(std::vector<VariantResult>& results, const std::string& metric) {
  const bool ascending = lower_is_better(metric);
  std::stable_sort(results.begin(), results.end(), [&](const VariantResult& a, const VariantResult& b) {
    if (a.ok != b.ok) return a.ok;
    if (!a.ok) return false;
    const double x = a.metrics.at(metric), y = b.metrics.at(metric);
    return ascending ? x < y : x > y;
  });
  for (auto& result : results) result.best = false;
  if (!results.empty() && results.front().ok) results.front().best = true;
}

std::vector<std::string> apply_gates(std::vector<VariantResult>& results, const Sweep& sweep,
                                     const std::vector<Gate>& extra) {
  std::vector<std::string> missed;
  for (auto& result : results) {
    result.missed_gates.clear();
    if (!result.ok) continue;
    std::vector<Gate> gates = sweep.gates;
    gates.insert(gates.end(), extra.begin(), extra.end());
    const auto own = std::find_if(sweep.variants.begin(), sweep.variants.end(),
                                  [&](const SweepVariant& variant) { return variant.name == result.name; });
    if (own != sweep.variants.end()) gates.insert(gates.end(), own->gates.begin(), own->gates.end());
    for (const auto& gate : gates) {
      const double value = result.metrics.at(gate.metric);
      if (value >= gate.minimum) continue;
      result.missed_gates.push_back("gate missed: " + result.name + ": " + gate.metric + " " + format_fixed(value, 4) +
                                    " < " + format_fixed(gate.minimum, 4) + " (" + gate.origin + ")");
      missed.push_back(result.missed_gates.back());
    }
  }
  return missed;
}

namespace {

void write_markdown_table(std::ostringstream& text, const ResultsTable& table) {
  text << "|";
  for (const auto& column : table.header) text << " " << markdown_cell(column) << " |";
  text << "\n|";
  for (size_t i = 0; i < table.header.size(); ++i) text << "---|";
  text << "\n";
  for (const auto& row : table.rows) {
    text << "|";
    for (const auto& cell : row) text << " " << markdown_cell(cell) << " |";
    text << "\n";
  }
}

}  // namespace

std::string results_markdown(const Sweep& sweep, const std::vector<VariantResult>& results) {
  std::ostringstream text;
  text << "Sweep " << sweep.name << ": " << results.size() << " variants, evaluated on " << sweep.split
       << ", ranked by " << sweep.metric << "\n\n";
  write_markdown_table(text, make_results_table(sweep, results));
  if (sweep.folds >= 2) {
    text << "\nRecipes over " << sweep.folds << " validation folds, ranked by their mean " << sweep.metric << "\n\n";
    write_markdown_table(text, make_recipes_table(sweep, summarize_recipes(sweep, results)));
  }
  return text.str();
}

void write_results(const Sweep& sweep, const std::vector<VariantResult>& results) {
  const ResultsTable table = make_results_table(sweep, results);
  std::ostringstream csv;
  const auto write_csv_row = [&csv](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) csv << (i ? "," : "") << csv_cell(row[i]);
    csv << "\n";
  };
  write_csv_row(table.header);
  for (const auto& row : table.rows) write_csv_row(row);

  nlohmann::json variants = nlohmann::json::array();
  for (const auto& result : results) variants.push_back(result.to_json(sweep.directory / result.name));
  nlohmann::json json = {{"format", kSweepResultsFormat}, {"sweep", sweep.name},    {"file", path_text(sweep.file)},
                         {"split", sweep.split},          {"metric", sweep.metric}, {"variants", variants}};
  if (sweep.folds >= 2) {
    json["folds"] = sweep.folds;
    json["recipes"] = nlohmann::json::array();
    for (const auto& recipe : summarize_recipes(sweep, results)) json["recipes"].push_back(recipe.to_json());
  }

  write_file_atomically(sweep.directory / "results.csv", csv.str());
  write_file_atomically(sweep.directory / "results.json", json.dump(2) + "\n");
  write_file_atomically(sweep.directory / "results.md", results_markdown(sweep, results));
  write_sweep_report(sweep, results);
}

nlohmann::json VariantResult::to_json(const std::filesystem::path& run) const {
  nlohmann::json values_object = nlohmann::json::object();
  for (const auto& [key, value] : values) values_object[key] = value;
  nlohmann::json row = {{"name", name}, {"values", values_object},      {"status", ok ? "ok" : "failed"},
                        {"best", best}, {"wall_seconds", wall_seconds}, {"run", path_text(run)}};
  if (fold >= 0) {
    row["recipe"] = recipe;
    row["fold"] = fold;
  }
  if (ok) {
    row["metrics"] = metrics;
    row["epochs"] = epochs;
    row["images_per_second"] = images_per_second;
    row["missed_gates"] = missed_gates;
  } else {
    row["error"] = error;
  }
  return row;
}

VariantResult VariantResult::from_json(const nlohmann::json& row, const std::string& file, size_t index) {
  const RecordedFields fields(row, file + ": variants[" + std::to_string(index) + "]");
  VariantResult result;
  result.name = fields.text("name");
  result.recipe = fields.has("recipe") ? fields.text("recipe") : result.name;
  result.fold = fields.has("fold") ? fields.integer("fold") : -1;
  fields.object("values");  // checks that it is one
  for (const auto& [key, value] : fields.any("values").items()) result.values.emplace_back(key, value);
  const std::string status = fields.text("status");
  if (status != "ok" && status != "failed") throw Error(fields.where("status") + ": expected ok or failed");
  result.ok = status == "ok";
  result.best = fields.boolean("best");
  result.wall_seconds = fields.number("wall_seconds");
  if (!result.ok) {
    result.error = fields.text("error");
    return result;
  }
  const RecordedFields metrics = fields.object("metrics");
  for (const char* metric : kSweepMetrics) result.metrics[metric] = metrics.number(metric);
  result.epochs = fields.integer("epochs");
  result.images_per_second = fields.number("images_per_second");
  result.missed_gates = fields.texts("missed_gates");
  return result;
}

std::map<std::string, VariantResult> previous_results(const Sweep& sweep) {
  std::map<std::string, VariantResult> previous;
  const fs::path file = sweep.directory / "results.json";
  if (!fs::exists(file)) return previous;
  try {
    const nlohmann::json json = read_json_file(file, kMaxRunListBytes);
    const RecordedFields fields(json, file.string());
    fields.format(kSweepResultsFormat);
    const nlohmann::json& rows = fields.array("variants");
    for (size_t i = 0; i < rows.size(); ++i) {
      VariantResult result = VariantResult::from_json(rows[i], file.string(), i);
      previous[result.name] = std::move(result);
    }
  } catch (const Error& error) {
    spdlog::warn("the earlier results are not used (variants finished earlier show no time): {}", error.what());
    previous.clear();
  }
  return previous;
}

}  // namespace tl
