#include "tl/report/run_report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "tl/base/atomic_file.hpp"
#include "tl/base/base64.hpp"
#include "tl/base/error.hpp"
#include "tl/base/json_file.hpp"
#include "tl/data/thumbnail.hpp"
#include "tl/report/confusion_heat_map.hpp"
#include "tl/report/html_page.hpp"
#include "tl/report/line_chart.hpp"
#include "tl/run/backbone_summary.hpp"
#include "tl/run/classification_report.hpp"
#include "tl/run/run_directory.hpp"

namespace tl {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr size_t kShownSkippedFiles = 200;
constexpr size_t kShownConfusedPairs = 12;
constexpr const char* kSplits[] = {"train", "val", "test"};

// What the run directory holds; a file that is missing stays empty, one that is unreadable is
// named in `problems` so the page says so instead of failing.
struct RunFiles {
  fs::path directory;
  json config, summary, skipped;
  std::vector<std::string> classes;
  std::vector<json> metrics;
  std::vector<std::pair<std::string, json>> evaluations;  // (split, eval_<split>.json)
  std::vector<std::string> problems;
};

json optional_json(const fs::path& file, std::vector<std::string>& problems) {
  if (!fs::exists(file)) return {};
  try {
    return read_json_file(file);
  } catch (const Error& error) {
    problems.emplace_back(error.what());
    return {};
  }
}

RunFiles read_run_files(const fs::path& directory) {
  const RunDirectory run(directory);
  if (!fs::is_regular_file(run.config())) {
    throw Error(directory.string() + ": not a run directory (no config.json): give a folder tl-train wrote");
  }
  RunFiles files;
  files.directory = directory;
  files.config = read_json_file(run.config());
  files.summary = optional_json(run.summary(), files.problems);
  files.skipped = optional_json(run.skipped(), files.problems);
  const json classes = optional_json(run.classes(), files.problems);
  if (classes.is_array()) {
    for (const auto& name : classes) {
      if (name.is_string()) files.classes.push_back(name.get<std::string>());
    }
  }
  try {
    files.metrics = run.load_metrics();
  } catch (const Error& error) {
    files.problems.emplace_back(error.what());
  }
  for (const char* split : kSplits) {
    json evaluation = optional_json(run.evaluation(split), files.problems);
    if (evaluation.is_object()) files.evaluations.emplace_back(split, std::move(evaluation));
  }
  return files;
}

// A value from a JSON object by a path of keys, or `fallback` when any step is missing or null.
template <typename T>
T value_at(const json& object, std::initializer_list<const char*> keys, T fallback) {
  const json* node = &object;
  for (const char* key : keys) {
    if (!node->is_object() || !node->contains(key) || (*node)[key].is_null()) return fallback;
    node = &(*node)[key];
  }
  try {
    return node->get<T>();
  } catch (const json::exception&) {
    return fallback;
  }
}

std::string missing(const std::string& html) { return "<p class=\"missing\">" + html + "</p>"; }
std::string code(const std::string& text) { return "<code>" + escape_html(text) + "</code>"; }

std::string tile(const std::string& label, const std::string& value) {
  return "<div class=\"metric\">" + escape_html(label) + "<b>" + escape_html(value) + "</b></div>";
}

std::string status_line(const RunFiles& run) {
  const int epochs = static_cast<int>(run.metrics.size());
  if (run.summary.is_object()) {
    const bool early = value_at(run.summary, {"stopped_early"}, false);
    return "finished after " + std::to_string(epochs) + " of " +
           std::to_string(value_at(run.summary, {"epochs_configured"}, epochs)) + " epochs" +
           (early ? " (stopped early)" : "");
  }
  // Unfinished, so only the config says what was planned: the logistic head's solve is one epoch,
  // and its config has no train.epochs.
  const bool solved_head = value_at<std::string>(run.config, {"model", "head", "type"}, "") == "logistic";
  const int planned = (solved_head ? 1 : value_at(run.config, {"train", "epochs"}, 0)) +
                      value_at(run.config, {"train", "fine_tune", "epochs"}, 0);
  if (epochs == 0) return "not trained yet: no epoch has finished";
  return "unfinished: " + std::to_string(epochs) + " of " + std::to_string(planned) +
         " epochs done, no summary.json (interrupted? continue with tl-train --resume " + run.directory.string() + ")";
}

// The backbones as the summary records them (each file, its hash and features); before training has
// finished, the files the config names.
std::string backbone_fact(const json& summary, const json& config) {
  if (summary.is_object() && summary.contains("backbone")) {
    try {
      const BackboneSummary record = BackboneSummary::from_json(summary["backbone"]);
      std::string parts;
      for (const BackboneSummary::Part& part : record.parts) {
        parts += (parts.empty() ? "" : " + ") + code(part.path) + " (sha256 " + code(part.sha256.substr(0, 12)) + ", " +
                 std::to_string(part.feature_dim) + " features)";
      }
      return parts + (record.parts.size() > 1 ? " · " + std::to_string(record.feature_dim()) + " features in all" : "");
    } catch (const Error& error) {
      return "? (" + escape_html(std::string("summary.json: ") + error.what()) + ")";
    }
  }
  const json backbones = value_at(config, {"model", "backbone"}, json());
  std::string files;
  for (const json& backbone : backbones.is_array() ? backbones : json::array({backbones})) {
    const json path = backbone.is_object() ? value_at(backbone, {"path"}, json()) : backbone;
    files += (files.empty() ? "" : " + ") + code(path.is_string() ? path.get<std::string>() : "?");
  }
  return files;
}

std::string glance_section(const RunFiles& run) {
  const json& summary = run.summary;
  std::vector<std::vector<HtmlCell>> facts;
  const auto fact = [&](const std::string& name, const std::string& value) {
    facts.push_back({{escape_html(name), {}}, {value, {}}});
  };
  fact("dataset", code(value_at<std::string>(run.config, {"data", "layout"}, "?")) + " at " +
                      code(value_at<std::string>(run.config, {"data", "root"}, "?")));
  std::string class_list;
  for (size_t i = 0; i < run.classes.size() && i < 8; ++i) class_list += (i ? ", " : "") + escape_html(run.classes[i]);
  if (run.classes.size() > 8) class_list += ", …";
  fact("classes", std::to_string(run.classes.size()) + (class_list.empty() ? "" : " (" + class_list + ")"));
  if (summary.is_object()) {
    fact("samples", "train " + std::to_string(value_at(summary, {"samples", "train"}, 0)) + " · val " +
                        std::to_string(value_at(summary, {"samples", "val"}, 0)) + " · test " +
                        std::to_string(value_at(summary, {"samples", "test"}, 0)) + " · skipped files " +
                        std::to_string(value_at(summary,
                                                {
                                                    "skipped_files",
                                                },
                                                0)));
  }
  fact("backbone", backbone_fact(summary, run.config));
  fact("head", code(value_at(run.config, {"model", "head"}, json::object()).dump()));
  if (summary.is_object()) {
    fact("device", escape_html(value_at<std::string>(summary, {"device"}, "?")) + " · " +
                       std::to_string(value_at(summary, {"cpu_threads"}, 0)) + " CPU threads");
    fact("wall time", format_number(value_at(summary, {"seconds"}, 0.0), 1) + " s");
    fact("feature pass",
         format_number(value_at(summary, {"feature_extraction", "images_per_second"}, 0.0), 1) + " images/s · " +
             std::to_string(value_at(summary, {"feature_extraction", "computed_by_backbone"}, 0)) + " computed, " +
             std::to_string(value_at(summary, {"feature_extraction", "from_cache"}, 0)) + " from the cache");
    const json best = value_at(summary, {"best"}, json::object());
    fact("best epoch", std::to_string(value_at(summary, {"best_epoch"}, 0)) + " by " +
                           escape_html(value_at<std::string>(summary, {"selected_by"}, "?")) + " · val accuracy " +
                           format_percent(value_at(best, {"val_accuracy"}, std::nan(""))) + " · val loss " +
                           format_number(value_at(best, {"val_loss"}, std::nan("")), 4) + " · train loss " +
                           format_number(value_at(best, {"train_loss"}, std::nan("")), 4));
  }
  std::string tiles;
  if (summary.is_object()) {
    tiles += tile("best val accuracy", format_percent(value_at(summary, {"best", "val_accuracy"}, std::nan(""))));
  }
  for (const auto& [split, evaluation] : run.evaluations) {
    tiles += tile(split + " top-1", format_percent(value_at(evaluation, {"top1"}, 0.0)));
  }
  return "<p class=\"subtitle\">" + escape_html(status_line(run)) + "</p>" +
         (tiles.empty() ? "" : "<div class=\"metrics\">" + tiles + "</div>") +
         html_table({"", ""}, facts, false, "facts");
}

std::string curves_section(const RunFiles& run) {
  if (run.metrics.empty())
    return missing("No epoch has finished yet, so there are no curves (metrics.jsonl is empty).");
  ChartSeries train_loss{"train loss", {}, {}, false}, val_loss{"val loss", {}, {}, false};
  ChartSeries train_accuracy{"train accuracy", {}, {}, false}, val_accuracy{"val accuracy", {}, {}, false};
  ChartSeries rate{"learning rate", {}, {}, false};
  std::optional<double> fine_tune_start;
  for (const auto& line : run.metrics) {
    const double epoch = value_at(line, {"epoch"}, 0.0);
    const auto add = [&](ChartSeries& series, const char* key, double scale) {
      if (line.contains(key) && line[key].is_number())
        series.points.emplace_back(epoch, scale * line[key].get<double>());
    };
    add(train_loss, "train_loss", 1), add(val_loss, "val_loss", 1);
    add(train_accuracy, "train_accuracy", 100), add(val_accuracy, "val_accuracy", 100);
    add(rate, "lr", 1);
    if (!fine_tune_start && value_at<std::string>(line, {"stage"}, "") == "fine_tune") fine_tune_start = epoch - 0.5;
  }
  const auto keep = [](std::vector<ChartSeries> all) {
    all.erase(std::remove_if(all.begin(), all.end(), [](const ChartSeries& s) { return s.points.empty(); }), all.end());
    return all;
  };
  std::vector<ChartLine> lines;
  if (fine_tune_start) lines.push_back({*fine_tune_start, "fine-tuning"});
  LineChart loss{"Loss", "epoch", "cross-entropy loss", keep({train_loss, val_loss}), lines, {}, true, true};
  LineChart accuracy{"Accuracy", "epoch", "accuracy (%)", keep({train_accuracy, val_accuracy}), lines, {}, true, false};
  LineChart learning_rate{"Learning rate", "epoch", "learning rate", keep({rate}), lines, {}, true, true};
  const int best_epoch = value_at(run.summary, {"best_epoch"}, 0);
  if (best_epoch > 0 && static_cast<size_t>(best_epoch) <= run.metrics.size()) {
    const json& best = run.metrics[static_cast<size_t>(best_epoch) - 1];
    if (value_at<std::string>(run.summary, {"selected_by"}, "") == "val_accuracy") {
      accuracy.marks.push_back({static_cast<double>(best_epoch), 100 * value_at(best, {"val_accuracy"}, 0.0),
                                "best epoch " + std::to_string(best_epoch)});
    } else {
      loss.marks.push_back({static_cast<double>(best_epoch), value_at(best, {"train_loss"}, 0.0),
                            "best epoch " + std::to_string(best_epoch)});
    }
  }
  return "<div class=\"charts\">" + render_svg(loss) + render_svg(accuracy) + render_svg(learning_rate) + "</div>";
}

std::string per_class_table(const json& evaluation) {
  std::vector<std::vector<HtmlCell>> rows;
  for (const auto& c : value_at(evaluation, {"per_class"}, json::array())) {
    rows.push_back({text_cell(value_at<std::string>(c, {"class"}, "?")), percent_cell(value_at(c, {"precision"}, 0.0)),
                    percent_cell(value_at(c, {"recall"}, 0.0)), percent_cell(value_at(c, {"f1"}, 0.0)),
                    number_cell(value_at(c, {"support"}, 0), 0), number_cell(value_at(c, {"predicted"}, 0), 0)});
  }
  return html_table({"class", "precision", "recall", "F1", "support", "predicted"}, rows, true, "per-class");
}

// The nonzero cells (true, predicted, count) of an evaluation's confusion matrix; an evaluation
// written before the sparse list only has the dense matrix.
std::vector<ConfusionCell> confusion_cells(const json& evaluation, size_t classes) {
  std::vector<ConfusionCell> cells;
  const auto check = [&](const ConfusionCell& cell) {
    if (cell.true_class < 0 || static_cast<size_t>(cell.true_class) >= classes || cell.predicted < 0 ||
        static_cast<size_t>(cell.predicted) >= classes) {
      throw Error("confusion matrix: a cell names a class beyond the " + std::to_string(classes) + " listed");
    }
    return cell;
  };
  const auto sparse =
      value_at(evaluation, {"confusion_matrix", "cells_true_predicted_count"}, std::vector<std::array<int, 3>>{});
  cells.reserve(cells.size() + sparse.size());
  for (const auto& [truth, predicted, count] : sparse) cells.push_back(check({truth, predicted, count}));
  if (!sparse.empty()) return cells;
  const auto dense =
      value_at(evaluation, {"confusion_matrix", "rows_true_columns_predicted"}, std::vector<std::vector<int>>{});
  for (size_t t = 0; t < dense.size(); ++t) {
    for (size_t p = 0; p < dense[t].size(); ++p) {
      if (dense[t][p] != 0) cells.push_back(check({static_cast<int>(t), static_cast<int>(p), dense[t][p]}));
    }
  }
  return cells;
}

std::string confused_pairs(const std::vector<std::string>& classes, const std::vector<ConfusionCell>& cells) {
  std::vector<int> support(classes.size(), 0);
  std::vector<ConfusionCell> pairs;
  for (const auto& cell : cells) {
    support[static_cast<size_t>(cell.true_class)] += cell.count;
    if (cell.true_class != cell.predicted && cell.count > 0) pairs.push_back(cell);
  }
  if (pairs.empty()) return "<p>No sample of this split was confused with another class.</p>";
  std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.count > b.count; });
  std::vector<std::vector<HtmlCell>> rows;
  for (size_t i = 0; i < pairs.size() && i < kShownConfusedPairs; ++i) {
    const auto& pair = pairs[i];
    const int row_total = support[static_cast<size_t>(pair.true_class)];
    rows.push_back({text_cell(classes[static_cast<size_t>(pair.true_class)]),
                    text_cell(classes[static_cast<size_t>(pair.predicted)]), number_cell(pair.count, 0),
                    percent_cell(row_total > 0 ? static_cast<double>(pair.count) / row_total : 0.0)});
  }
  return html_table({"true class", "predicted as", "count", "share of the true class"}, rows, false);
}

std::string highest_losses_grid(const json& evaluation) {
  if (!evaluation.contains("highest_losses")) {
    return missing("This evaluation predates the list of highest-loss photos: run tl-eval again to see them.");
  }
  const json& losses = evaluation["highest_losses"];
  if (losses.empty()) return "<p>No photo was evaluated.</p>";
  std::string html = "<div class=\"losses\">";
  for (const auto& sample : losses) {
    const std::string path = value_at<std::string>(sample, {"path"}, "");
    const std::string truth = value_at<std::string>(sample, {"true"}, "?");
    const std::string predicted = value_at<std::string>(sample, {"predicted"}, "?");
    const Thumbnail thumbnail = make_thumbnail(path);
    html += "<figure title=\"" + escape_html(path) + "\">";
    html += thumbnail.jpeg.empty() ? "<div class=\"missing\">" + escape_html(fs::path(path).filename().string()) +
                                         ": " + escape_html(thumbnail.error) + "</div>"
                                   : "<img alt=\"" + escape_html(fs::path(path).filename().string()) +
                                         "\" src=\"data:image/jpeg;base64," + base64_encode(thumbnail.jpeg) + "\">";
    const bool wrong = truth != predicted;
    html += "<figcaption>true <b>" + escape_html(truth) + "</b><br><span class=\"" + (wrong ? "wrong" : "right") +
            "\">predicted " + escape_html(predicted) + " " + format_percent(value_at(sample, {"probability"}, 0.0), 1) +
            "</span><br>loss " + format_number(value_at(sample, {"loss"}, 0.0), 2) + "</figcaption></figure>";
  }
  return html + "</div>";
}

std::string evaluation_section(const std::string& split, const json& evaluation) {
  const std::string evaluation_file = RunDirectory::evaluation_name(split);
  const std::vector<std::string> classes =
      value_at(evaluation, {"confusion_matrix", "classes"}, std::vector<std::string>{});
  std::string html = "<p>" + code(value_at<std::string>(evaluation, {"checkpoint"}, "?")) + " on " +
                     code(value_at<std::string>(evaluation, {"data_root"}, "?")) + "</p>";
  const int k = value_at(evaluation, {"k"}, 1);
  const bool top_k_says_something = k > 0 && static_cast<size_t>(k) < classes.size();  // top-2 of 2 is 100%
  html += "<div class=\"metrics\">" + tile("top-1", format_percent(value_at(evaluation, {"top1"}, 0.0))) +
          (top_k_says_something ? tile("top-" + std::to_string(k), format_percent(value_at(evaluation, {"top_k"}, 0.0)))
                                : std::string()) +
          tile("mean per-class accuracy", format_percent(value_at(evaluation, {"mean_per_class_accuracy"}, 0.0))) +
          tile("samples", std::to_string(value_at(evaluation, {"samples"}, 0))) +
          tile("skipped files", std::to_string(value_at(evaluation, {"skipped_files"}, 0))) + "</div>";
  html +=
      "<h3>Confusion matrix</h3><p>Rows are true classes, columns predictions; a cell's colour is its share of "
      "its row, its number the count.</p><div class=\"scroll\">";
  std::string pairs;
  try {
    const std::vector<ConfusionCell> cells = confusion_cells(evaluation, classes.size());
    if (classes.size() > kDenseConfusionClasses) {
      html += "<p>" + std::to_string(classes.size()) + " classes are too many for a readable heat map; the most " +
              "confused pairs are listed below and every cell is in " + code(evaluation_file) + ".</p>";
    } else {
      std::vector<std::vector<int>> dense(classes.size(), std::vector<int>(classes.size(), 0));
      for (const auto& cell : cells)
        dense[static_cast<size_t>(cell.true_class)][static_cast<size_t>(cell.predicted)] = cell.count;
      html += render_confusion_heat_map(classes, dense);
    }
    pairs = confused_pairs(classes, cells);
  } catch (const Error& error) {
    html += missing(escape_html(evaluation_file + ": " + error.what()));
  }
  html += "</div><h3>Per class</h3>" + per_class_table(evaluation);
  html += "<h3>Most confused</h3>" + pairs;
  html +=
      "<h3>Highest losses</h3><p>The photos of this split the model scored worst, highest cross-entropy "
      "first.</p>" +
      highest_losses_grid(evaluation);
  return html;
}

std::string distribution_section(const RunFiles& run) {
  const json counts = value_at(run.summary, {"class_counts"}, json());
  if (!counts.is_object()) {
    return missing("The class distribution is in summary.json, which a run writes when training finishes.");
  }
  int largest = 1;
  for (const char* split : kSplits) {
    for (const int n : value_at(counts, {split}, std::vector<int>{})) largest = std::max(largest, n);
  }
  std::vector<std::vector<HtmlCell>> rows;
  for (size_t c = 0; c < run.classes.size(); ++c) {
    std::vector<HtmlCell> row{text_cell(run.classes[c])};
    for (const char* split : kSplits) {
      const auto split_counts = value_at(counts, {split}, std::vector<int>{});
      const int n = c < split_counts.size() ? split_counts[c] : 0;
      row.push_back({"<span class=\"bar\" style=\"width:" + format_number(80.0 * n / largest, 0) + "px\"></span>" +
                         std::to_string(n),
                     std::to_string(n)});
    }
    rows.push_back(std::move(row));
  }
  return "<p>Images per class in each split as the run divided them (skipped files included).</p>" +
         html_table({"class", "train", "val", "test"}, rows, true, "distribution");
}

std::string skipped_section(const RunFiles& run) {
  if (!run.skipped.is_array()) return missing("No skipped.json: the run stopped before its images were read.");
  if (run.skipped.empty()) return "<p>Every image could be decoded.</p>";
  std::vector<std::vector<HtmlCell>> rows;
  for (size_t i = 0; i < run.skipped.size() && i < kShownSkippedFiles; ++i) {
    rows.push_back({text_cell(value_at<std::string>(run.skipped[i], {"path"}, "?")),
                    text_cell(value_at<std::string>(run.skipped[i], {"reason"}, "?"))});
  }
  std::string html = "<p>" + std::to_string(run.skipped.size()) + " files could not be used.</p>" +
                     html_table({"file", "reason"}, rows, true);
  if (run.skipped.size() > kShownSkippedFiles) {
    html += "<p>… and " + std::to_string(run.skipped.size() - kShownSkippedFiles) + " more in skipped.json.</p>";
  }
  return html;
}

}  // namespace

std::string render_run_report(const fs::path& run_directory) {
  const RunFiles run = read_run_files(run_directory);
  const std::string name = value_at<std::string>(run.config, {"name"}, run_directory.filename().string());
  HtmlPage page("tl run " + name);
  page.add("<h1>" + escape_html(name) + "</h1><p class=\"subtitle\">tl run report · " +
           code(fs::absolute(run_directory).lexically_normal().string()) + "</p>");
  for (const auto& problem : run.problems) page.add(missing("Could not read " + escape_html(problem)));
  page.add_section("glance", "The run at a glance", glance_section(run));
  page.add_section("curves", "Training curves", curves_section(run));
  if (run.evaluations.empty()) {
    page.add_section("evaluation", "Evaluation",
                     missing("No split has been evaluated yet: " +
                             code("tl-eval --run " + run_directory.string() + " --split test") +
                             " measures the held-out split and adds it here."));
  }
  for (const auto& [split, evaluation] : run.evaluations) {
    page.add_section("eval-" + split, "Evaluation: " + split + " split", evaluation_section(split, evaluation));
  }
  page.add_section("distribution", "Class distribution", distribution_section(run));
  page.add_section("skipped", "Skipped files", skipped_section(run));
  page.add_section("config", "Config",
                   "<details><summary>The resolved config (config.json)</summary><pre>" +
                       escape_html(run.config.dump(2)) + "</pre></details>");
  return page.render();
}

fs::path write_run_report(const fs::path& run_directory) {
  fs::path report = RunDirectory(run_directory).report();
  write_file_atomically(report, render_run_report(run_directory), Durability::rename_only);
  return report;
}

void refresh_run_report(const fs::path& run_directory) {
  try {
    spdlog::info("report: {}", write_run_report(run_directory).string());
  } catch (const std::exception& error) {
    spdlog::warn("{}: report.html not written: {}", run_directory.string(), error.what());
  }
}

}  // namespace tl
