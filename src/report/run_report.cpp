#include "tl/report/run_report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
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
#include "tl/run/classification_report.hpp"
#include "tl/run/epoch_metrics.hpp"
#include "tl/run/evaluation_record.hpp"
#include "tl/run/label_issues.hpp"
#include "tl/run/run_directory.hpp"
#include "tl/run/run_summary.hpp"

namespace tl {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A page stays readable, and small, whatever the run: 2 million classes once made a 525 MB page and
// 300,000 epochs a 75 MB one. Past these, tables show a part and say where the rest is.
constexpr size_t kShownSkippedFiles = 200;
constexpr size_t kShownConfusedPairs = 12;
constexpr size_t kShownClasses = 200;
// The label issues drawn as thumbnails (each a decode of the photo): a page of them, the rest in the file.
constexpr size_t kShownLabelIssues = 30;
constexpr size_t kMostCurvePoints = 1000;  // per series; longer runs are drawn from every k-th epoch
constexpr const char* kSplits[] = {"train", "val", "test"};

// What the run directory holds; a file that is missing stays empty, one that is unreadable is
// named in `problems` so the page says so instead of failing.
struct RunFiles {
  fs::path directory;
  json config, skipped;
  std::optional<RunSummary> summary;  // none until training has finished
  std::vector<std::string> classes;
  std::vector<EpochMetrics> metrics;
  std::vector<std::pair<std::string, EvaluationRecord>> evaluations;  // (split, eval_<split>.json)
  std::optional<LabelIssues> label_issues;                            // with train.folds
  std::vector<std::string> problems;
};

// Runs `read`; a file it finds malformed becomes one of the page's problems instead of an error.
template <typename Read>
void read_or_note(std::vector<std::string>& problems, Read read) {
  try {
    read();
  } catch (const Error& error) {
    problems.emplace_back(error.what());
  }
}

// The file's JSON; null when it is missing or unreadable (then named in `problems`).
json optional_json(const fs::path& file, uint64_t max_bytes, std::vector<std::string>& problems) {
  json content;
  if (fs::exists(file)) read_or_note(problems, [&] { content = read_json_file(file, max_bytes); });
  return content;
}

RunFiles read_run_files(const fs::path& directory) {
  const RunDirectory run(directory);
  if (!fs::exists(run.config())) {
    throw Error(directory.string() + ": not a run directory (no config.json): give a folder tl-train wrote");
  }
  RunFiles files;
  files.directory = directory;
  files.config = read_json_file(run.config(), kMaxRunRecordBytes);
  if (fs::exists(run.summary())) read_or_note(files.problems, [&] { files.summary = read_run_summary(run.summary()); });
  files.skipped = optional_json(run.skipped(), kMaxRunListBytes, files.problems);
  const json classes = optional_json(run.classes(), kMaxRunRecordBytes, files.problems);
  if (classes.is_array()) {
    for (const auto& name : classes) {
      if (name.is_string()) files.classes.push_back(name.get<std::string>());
    }
  }
  read_or_note(files.problems, [&] { files.metrics = run.load_metrics(); });
  read_or_note(files.problems, [&] { files.label_issues = read_label_issues(directory); });
  for (const char* split : kSplits) {
    if (!fs::exists(run.evaluation(split))) continue;
    read_or_note(files.problems,
                 [&] { files.evaluations.emplace_back(split, read_evaluation_record(run.evaluation(split))); });
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
  if (run.summary) {
    return "finished after " + std::to_string(epochs) + " of " + std::to_string(run.summary->epochs_configured) +
           " epochs" + (run.summary->stopped_early ? " (stopped early)" : "");
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
std::string backbone_fact(const std::optional<RunSummary>& summary, const json& config) {
  if (summary) {
    const BackboneSummary& record = summary->backbone;
    std::string parts;
    for (const BackboneSummary::Part& part : record.parts) {
      parts += (parts.empty() ? "" : " + ") + code(part.path) + " (sha256 " + code(part.sha256.substr(0, 12)) + ", " +
               std::to_string(part.feature_dim) + " features)";
    }
    return parts + (record.parts.size() > 1 ? " · " + std::to_string(record.feature_dim()) + " features in all" : "");
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
  const std::optional<RunSummary>& summary = run.summary;
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
  if (summary) {
    fact("samples", "train " + std::to_string(summary->samples.train) + " · val " +
                        std::to_string(summary->samples.val) + " · test " + std::to_string(summary->samples.test) +
                        " · skipped files " + std::to_string(summary->skipped_files));
  }
  fact("backbone", backbone_fact(summary, run.config));
  fact("head", code(value_at(run.config, {"model", "head"}, json::object()).dump()));
  std::string tiles;
  if (summary) {
    const EpochMetrics& best = summary->best;
    const double none = std::nan("");
    fact("device", escape_html(summary->device) + " · " + std::to_string(summary->cpu_threads) + " CPU threads");
    fact("wall time", format_number(summary->seconds, 1) + " s");
    fact("feature pass", format_number(summary->feature_extraction.images_per_second, 1) + " images/s · " +
                             std::to_string(summary->feature_extraction.computed_by_backbone) + " computed, " +
                             std::to_string(summary->feature_extraction.from_cache) + " from the cache");
    fact("best epoch", std::to_string(summary->best_epoch) + " by " + escape_html(summary->selected_by) +
                           " · val accuracy " + format_percent(best.val_accuracy.value_or(none)) + " · val loss " +
                           format_number(best.val_loss.value_or(none), 4) + " · train loss " +
                           format_number(best.train_loss, 4));
    const json& calibration = summary->calibration;
    if (calibration.is_object()) {
      fact("calibration",
           "temperature " + format_number(value_at(calibration, {"temperature"}, none), 3) + " fitted on " +
               std::to_string(value_at(calibration, {"val", "samples"}, 0)) + " val images · log loss " +
               format_number(value_at(calibration, {"val", "log_loss_before"}, none), 4) + " → " +
               format_number(value_at(calibration, {"val", "log_loss_after"}, none), 4) + " · calibration error " +
               format_percent(value_at(calibration, {"val", "ece_before"}, none)) + " → " +
               format_percent(value_at(calibration, {"val", "ece_after"}, none)));
    }
    tiles += tile("best val accuracy", format_percent(best.val_accuracy.value_or(none)));
  }
  for (const auto& [split, evaluation] : run.evaluations) {
    tiles += tile(split + " top-1", format_percent(evaluation.report.top1));
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
  const size_t stride = (run.metrics.size() + kMostCurvePoints - 1) / kMostCurvePoints;
  const int best_epoch_drawn = run.summary ? run.summary->best_epoch : 0;
  for (size_t i = 0; i < run.metrics.size(); ++i) {
    const EpochMetrics& line = run.metrics[i];
    if (line.stage == "fine_tune" && !fine_tune_start) fine_tune_start = line.epoch - 0.5;
    if (i % stride != 0 && i + 1 != run.metrics.size() && line.epoch != best_epoch_drawn) continue;
    const double epoch = line.epoch;
    const auto add = [&](ChartSeries& series, std::optional<double> value, double scale) {
      if (value) series.points.emplace_back(epoch, scale * *value);
    };
    add(train_loss, line.train_loss, 1), add(val_loss, line.val_loss, 1);
    add(train_accuracy, line.train_accuracy, 100), add(val_accuracy, line.val_accuracy, 100);
    add(rate, line.lr, 1);
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
  const int best_epoch = run.summary ? run.summary->best_epoch : 0;
  if (best_epoch > 0 && static_cast<size_t>(best_epoch) <= run.metrics.size()) {
    const EpochMetrics& best = run.metrics[static_cast<size_t>(best_epoch) - 1];
    if (run.summary->selected_by == "val_accuracy") {
      accuracy.marks.push_back({static_cast<double>(best_epoch), 100 * best.val_accuracy.value_or(0.0),
                                "best epoch " + std::to_string(best_epoch)});
    } else if (run.summary->selected_by == "val_loss") {
      loss.marks.push_back(
          {static_cast<double>(best_epoch), best.val_loss.value_or(0.0), "best epoch " + std::to_string(best_epoch)});
    } else {
      loss.marks.push_back(
          {static_cast<double>(best_epoch), best.train_loss, "best epoch " + std::to_string(best_epoch)});
    }
  }
  return "<div class=\"charts\">" + render_svg(loss) + render_svg(accuracy) + render_svg(learning_rate) + "</div>";
}

std::string per_class_table(const ClassificationReport& report, const std::string& evaluation_file) {
  std::vector<const ClassStatistics*> shown;
  for (const ClassStatistics& c : report.classes) shown.push_back(&c);
  std::string note;
  if (shown.size() > kShownClasses) {  // the classes that need attention: lowest recall first
    std::stable_sort(shown.begin(), shown.end(),
                     [](const ClassStatistics* a, const ClassStatistics* b) { return a->recall < b->recall; });
    shown.resize(kShownClasses);
    note = "<p>The " + std::to_string(kShownClasses) + " classes of " + std::to_string(report.classes.size()) +
           " with the lowest recall; every class is in " + code(evaluation_file) + ".</p>";
  }
  std::vector<std::vector<HtmlCell>> rows;
  for (const ClassStatistics* statistics : shown) {
    const ClassStatistics& c = *statistics;
    rows.push_back({text_cell(c.name), percent_cell(c.precision), percent_cell(c.recall), percent_cell(c.f1),
                    number_cell(c.support, 0), number_cell(c.predicted, 0)});
  }
  return note + html_table({"class", "precision", "recall", "F1", "support", "predicted"}, rows, true, "per-class");
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

// Where the model looked for one class, over the part of the photo it saw; nothing when the photo
// cannot be read any more.
std::string heat_map_image(const Thumbnail& thumbnail, const std::string& what) {
  if (thumbnail.jpeg.empty()) return "";
  return "<img class=\"heat\" alt=\"where it looked for " + escape_html(what) + "\" title=\"where it looked for " +
         escape_html(what) + "\" src=\"data:image/jpeg;base64," + base64_encode(thumbnail.jpeg) + "\">";
}

ThumbnailOverlay overlay_of(const HeatMap& map) { return {map.region, map.rows, map.cols, map.values}; }

// A photo's thumbnail, or why it could not be drawn, in a figure of a photo grid.
std::string photo_image(const std::string& path, const Thumbnail& thumbnail) {
  const std::string name = escape_html(fs::path(path).filename().string());
  return thumbnail.jpeg.empty()
             ? "<div class=\"missing\">" + name + ": " + escape_html(thumbnail.error) + "</div>"
             : "<img alt=\"" + name + "\" src=\"data:image/jpeg;base64," + base64_encode(thumbnail.jpeg) + "\">";
}

std::string highest_losses_grid(const EvaluationRecord& evaluation) {
  if (!evaluation.lists_highest_losses) {
    return missing("This evaluation predates the list of highest-loss photos: run tl-eval again to see them.");
  }
  const ClassificationReport& report = evaluation.report;
  if (report.highest_losses.empty()) return "<p>No photo was evaluated.</p>";
  std::string html = "<div class=\"losses\">";
  for (const LossySample& sample : report.highest_losses) {
    const std::string& path = sample.path;
    const std::string& truth = report.classes[static_cast<size_t>(sample.label)].name;
    const std::string& predicted = report.classes[static_cast<size_t>(sample.predicted)].name;
    const bool wrong = truth != predicted;
    // The map of the predicted class, and of the true one when they differ.
    std::vector<ThumbnailOverlay> overlays;
    if (sample.predicted_heat_map && sample.true_heat_map) {
      overlays.push_back(overlay_of(*sample.predicted_heat_map));
      if (wrong) overlays.push_back(overlay_of(*sample.true_heat_map));
    }
    const PhotoThumbnails thumbnails = make_thumbnails(path, overlays);
    html += "<figure title=\"" + escape_html(path) + "\">" + photo_image(path, thumbnails.photo);
    if (!overlays.empty()) {
      const std::vector<std::string> classes{predicted, truth};
      html += "<div class=\"maps\">";
      for (size_t i = 0; i < thumbnails.overlays.size(); ++i)
        html += heat_map_image(thumbnails.overlays[i], classes[i]);
      html += "</div>";
    }
    html += "<figcaption>true <b>" + escape_html(truth) + "</b><br><span class=\"" + (wrong ? "wrong" : "right") +
            "\">predicted " + escape_html(predicted) + " " + format_percent(sample.probability, 1) +
            "</span><br>loss " + format_number(sample.loss, 2) + "</figcaption></figure>";
  }
  return html + "</div>";
}

// A reliability diagram: each non-empty bin's accuracy against its mean confidence, beside the
// diagonal a calibrated classifier would follow.
std::string calibration_part(const Calibration& calibration) {
  LineChart chart;
  chart.title = "Reliability";
  chart.x_label = "top-1 probability (mean of a bin)";
  chart.y_label = "accuracy";
  chart.whole_number_x = false;
  chart.y_from_zero = true;
  ChartSeries diagonal{"calibrated", {{0.0, 0.0}, {1.0, 1.0}}, "#999999", true};
  ChartSeries measured{"this model", {}, "", false};
  for (const ReliabilityBin& bin : calibration.bins) {
    if (bin.samples > 0) measured.points.emplace_back(bin.confidence, bin.accuracy);
  }
  chart.series = {diagonal, measured};
  char figures[256];
  std::snprintf(figures, sizeof figures, "log loss %.4f, Brier score %.4f, expected calibration error %.2f%%",
                calibration.log_loss, calibration.brier, 100 * calibration.expected_calibration_error);
  return "<p>Of the photos given a probability p, a share p should be right: the closer the line to the diagonal, "
         "the more the probabilities can be trusted (below it: over-confident). " +
         std::string(figures) + " (" + std::to_string(calibration.bins.size()) +
         " equal bins of the top-1 probability).</p>" + render_svg(chart);
}

std::string evaluation_section(const std::string& split, const EvaluationRecord& evaluation,
                               const std::optional<std::string>& predictions_file) {
  const std::string evaluation_file = RunDirectory::evaluation_name(split);
  const ClassificationReport& report = evaluation.report;
  std::vector<std::string> classes;
  for (const ClassStatistics& c : report.classes) classes.push_back(c.name);
  std::string html = "<p>" + code(evaluation.checkpoint) + " on " + code(evaluation.data_root) + "</p>";
  const bool top_k_says_something = report.k > 0 && static_cast<size_t>(report.k) < classes.size();  // top-2 of 2
  html +=
      "<div class=\"metrics\">" + tile("top-1", format_percent(report.top1)) +
      (top_k_says_something ? tile("top-" + std::to_string(report.k), format_percent(report.topk)) : std::string()) +
      tile("mean per-class accuracy", format_percent(report.mean_per_class_accuracy)) +
      tile("samples", std::to_string(report.samples)) + tile("skipped files", std::to_string(report.skipped_files)) +
      (report.calibration
           ? tile("calibration error (ECE)", format_percent(report.calibration->expected_calibration_error))
           : std::string()) +
      "</div>";
  if (predictions_file) {
    html += "<p>Every photo's prediction, with its probabilities and loss: <a href=\"" +
            escape_html(*predictions_file) + "\">" + escape_html(*predictions_file) + "</a></p>";
  }
  html +=
      "<h3>Confusion matrix</h3><p>Rows are true classes, columns predictions; a cell's colour is its share of "
      "its row, its number the count.</p><div class=\"scroll\">";
  if (classes.size() > kDenseConfusionClasses) {
    html += "<p>" + std::to_string(classes.size()) + " classes are too many for a readable heat map; the most " +
            "confused pairs are listed below and every cell is in " + code(evaluation_file) + ".</p>";
  } else {
    std::vector<std::vector<int>> dense(classes.size(), std::vector<int>(classes.size(), 0));
    for (const auto& cell : report.confusion) {
      dense[static_cast<size_t>(cell.true_class)][static_cast<size_t>(cell.predicted)] = cell.count;
    }
    html += render_confusion_heat_map(classes, dense);
  }
  html += "</div><h3>Per class</h3>" + per_class_table(report, evaluation_file);
  html += "<h3>Most confused</h3>" + confused_pairs(classes, report.confusion);
  if (report.calibration) html += "<h3>Calibration</h3>" + calibration_part(*report.calibration);
  html +=
      "<h3>Highest losses</h3><p>The photos of this split the model scored worst, highest cross-entropy "
      "first. Under each, the part of the photo the model saw with its heat map (Grad-CAM) for the predicted "
      "class and, when they differ, for the true one: red where it found the class, blue where it found "
      "nothing for it.</p>" +
      highest_losses_grid(evaluation);
  return html;
}

std::string distribution_section(const RunFiles& run) {
  if (!run.summary) {
    return missing("The class distribution is in summary.json, which a run writes when training finishes.");
  }
  const SplitClassCounts& counts = run.summary->class_counts;
  if (counts.train.empty() && counts.val.empty() && counts.test.empty()) {
    return missing("This run's summary.json predates the class distribution: train it again to see it.");
  }
  const std::vector<int>* per_split[] = {&counts.train, &counts.val, &counts.test};
  int largest = 1;
  for (const std::vector<int>* split_counts : per_split) {
    for (const int n : *split_counts) largest = std::max(largest, n);
  }
  std::vector<std::vector<HtmlCell>> rows;
  for (size_t c = 0; c < run.classes.size() && c < kShownClasses; ++c) {
    std::vector<HtmlCell> row{text_cell(run.classes[c])};
    for (const std::vector<int>* split_counts_of : per_split) {
      const std::vector<int>& split_counts = *split_counts_of;
      const int n = c < split_counts.size() ? split_counts[c] : 0;
      row.push_back({"<span class=\"bar\" style=\"width:" + format_number(80.0 * n / largest, 0) + "px\"></span>" +
                         std::to_string(n),
                     std::to_string(n)});
    }
    rows.push_back(std::move(row));
  }
  const std::string more = run.classes.size() > kShownClasses
                               ? "<p>… and " + std::to_string(run.classes.size() - kShownClasses) +
                                     " more classes, each counted in summary.json's class_counts.</p>"
                               : "";
  return "<p>Images per class in each split as the run divided them (skipped files included).</p>" +
         html_table({"class", "train", "val", "test"}, rows, true, "distribution") + more;
}

// The training photos whose label the out-of-fold probabilities doubt most, as thumbnails.
std::string label_issues_section(const LabelIssues& found) {
  std::string html = "<p>Each training image was scored by a head fitted without its fold (" +
                     std::to_string(found.folds) + " folds). " + std::to_string(found.issues.size()) + " of " +
                     std::to_string(found.images_checked) +
                     " images are more probable in another class than in their own; those whose own class is least "
                     "probable come first. A wrong label, or a photo of something else, usually sits at the top. "
                     "Every one is in " +
                     code("label_issues.json") + ".</p>";
  if (found.issues.empty()) return html;
  html += "<div class=\"losses\">";
  for (size_t i = 0; i < found.issues.size() && i < kShownLabelIssues; ++i) {
    const LabelIssue& issue = found.issues[i];
    html += "<figure title=\"" + escape_html(issue.path) + "\">" +
            photo_image(issue.path, make_thumbnails(issue.path, {}).photo);
    html += "<figcaption>labelled <b>" + escape_html(found.classes[static_cast<size_t>(issue.given)]) + "</b> " +
            format_percent(issue.given_probability, 1) + "<br><span class=\"wrong\">looks like " +
            escape_html(found.classes[static_cast<size_t>(issue.suggested)]) + " " +
            format_percent(issue.suggested_probability, 1) + "</span></figcaption></figure>";
  }
  return html + "</div>";
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
    const fs::path predictions = RunDirectory::predictions_beside(RunDirectory(run.directory).evaluation(split));
    const auto predictions_file =
        fs::exists(predictions) ? std::optional<std::string>(predictions.filename().string()) : std::nullopt;
    page.add_section("eval-" + split, "Evaluation: " + split + " split",
                     evaluation_section(split, evaluation, predictions_file));
  }
  page.add_section("distribution", "Class distribution", distribution_section(run));
  if (run.label_issues) page.add_section("label-issues", "Label issues", label_issues_section(*run.label_issues));
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
