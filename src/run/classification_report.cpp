#include "tl/run/classification_report.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>

#include "tl/base/error.hpp"
#include "tl/run/recorded_fields.hpp"

namespace tl {
namespace {

constexpr size_t kPrintedClasses = 40;

double ratio(double numerator, double denominator) { return denominator > 0 ? numerator / denominator : 0.0; }

// True when fewer than k classes score strictly higher than the label: ties count in the label's favour
// only as far as their index order allows, like torch.topk's stable order.
bool within_top_k(const float* row, int classes, int label, int k) {
  int better = 0;
  for (int c = 0; c < classes; ++c) {
    if (row[c] > row[label] || (row[c] == row[label] && c < label)) ++better;
  }
  return better < k;
}

int argmax(const float* row, int classes) { return static_cast<int>(std::max_element(row, row + classes) - row); }

}  // namespace

ClassificationReport make_classification_report(const std::vector<float>& scores, const std::vector<int>& labels,
                                                const std::vector<std::string>& class_names, int k) {
  const int classes = static_cast<int>(class_names.size());
  if (classes == 0) throw Error("classification report: no classes");
  if (scores.size() != labels.size() * static_cast<size_t>(classes)) {
    throw Error("classification report: " + std::to_string(scores.size()) + " scores for " +
                std::to_string(labels.size()) + " samples of " + std::to_string(classes) + " classes");
  }
  ClassificationReport report;
  report.samples = static_cast<int>(labels.size());
  report.k = k > 0 ? std::min(k, classes) : std::min(5, classes);
  std::map<std::pair<int, int>, int> cells;
  std::vector<ClassStatistics> statistics(static_cast<size_t>(classes));
  int correct = 0, correct_k = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const int label = labels[i];
    if (label < 0 || label >= classes)
      throw Error("classification report: label " + std::to_string(label) + " out of range");
    const float* row = scores.data() + i * classes;
    const int predicted = argmax(row, classes);
    ++cells[{label, predicted}];
    ++statistics[static_cast<size_t>(label)].support;
    ++statistics[static_cast<size_t>(predicted)].predicted;
    correct += predicted == label;
    correct_k += within_top_k(row, classes, label, report.k);
  }
  for (const auto& [cell, count] : cells) report.confusion.push_back({cell.first, cell.second, count});
  report.top1 = ratio(correct, report.samples);
  report.topk = ratio(correct_k, report.samples);

  double recall_sum = 0;
  int present = 0;
  for (int c = 0; c < classes; ++c) {
    ClassStatistics& statistic = statistics[static_cast<size_t>(c)];
    statistic.name = class_names[c];
    const auto diagonal = cells.find({c, c});
    const int hits = diagonal == cells.end() ? 0 : diagonal->second;
    statistic.precision = ratio(hits, statistic.predicted);
    statistic.recall = ratio(hits, statistic.support);
    statistic.f1 = ratio(2 * statistic.precision * statistic.recall, statistic.precision + statistic.recall);
    if (statistic.support > 0) {
      recall_sum += statistic.recall;
      ++present;
    }
  }
  report.classes = std::move(statistics);
  report.mean_per_class_accuracy = ratio(recall_sum, present);
  return report;
}

namespace {

nlohmann::json confusion_json(const ClassificationReport& report, const std::vector<std::string>& names) {
  nlohmann::json cells = nlohmann::json::array();
  for (const auto& cell : report.confusion) cells.push_back({cell.true_class, cell.predicted, cell.count});
  nlohmann::json json = {{"classes", names}, {"cells_true_predicted_count", cells}};
  if (names.size() <= kDenseConfusionClasses) {
    std::vector<std::vector<int>> dense(names.size(), std::vector<int>(names.size(), 0));
    for (const auto& cell : report.confusion)
      dense[static_cast<size_t>(cell.true_class)][static_cast<size_t>(cell.predicted)] = cell.count;
    json["rows_true_columns_predicted"] = dense;
  }
  return json;
}

}  // namespace

nlohmann::json to_json(const ClassificationReport& report) {
  nlohmann::json per_class = nlohmann::json::array();
  std::vector<std::string> names;
  for (const auto& c : report.classes) {
    per_class.push_back({{"class", c.name},
                         {"precision", c.precision},
                         {"recall", c.recall},
                         {"f1", c.f1},
                         {"support", c.support},
                         {"predicted", c.predicted}});
    names.push_back(c.name);
  }
  nlohmann::json losses = nlohmann::json::array();
  for (const auto& sample : report.highest_losses) {
    losses.push_back({{"path", sample.path},
                      {"true", report.classes.at(static_cast<size_t>(sample.label)).name},
                      {"predicted", report.classes.at(static_cast<size_t>(sample.predicted)).name},
                      {"probability", sample.probability},
                      {"true_probability", sample.true_probability},
                      {"loss", sample.loss}});
    if (sample.predicted_heat_map && sample.true_heat_map) {
      losses.back()["heat_maps"] = {{"predicted", to_json(*sample.predicted_heat_map)},
                                    {"true", to_json(*sample.true_heat_map)}};
    }
  }
  nlohmann::json json = {{"samples", report.samples},
                         {"top1", report.top1},
                         {"top_k", report.topk},
                         {"k", report.k},
                         {"mean_per_class_accuracy", report.mean_per_class_accuracy},
                         {"per_class", per_class},
                         {"confusion_matrix", confusion_json(report, names)},
                         {"skipped_files", report.skipped_files},
                         {"tta", report.tta},
                         {"highest_losses", losses}};
  if (report.calibration) json["calibration"] = to_json(*report.calibration);
  return json;
}

namespace {

// The nonzero cells: listed as [true, predicted, count] since cells_true_predicted_count exists,
// read off the dense matrix before.
std::vector<ConfusionCell> confusion_from(const RecordedFields& matrix, size_t classes) {
  std::vector<ConfusionCell> cells;
  const auto in_range = [&](int index) { return index >= 0 && static_cast<size_t>(index) < classes; };
  if (matrix.has("cells_true_predicted_count")) {
    for (const auto& cell : matrix.array("cells_true_predicted_count")) {
      if (!cell.is_array() || cell.size() != 3 || !cell[0].is_number_integer() || !cell[1].is_number_integer() ||
          !cell[2].is_number_integer() || !in_range(cell[0].get<int>()) || !in_range(cell[1].get<int>())) {
        throw Error(matrix.where("cells_true_predicted_count") +
                    ": expected [true class, predicted class, count] cells with class indices below " +
                    std::to_string(classes));
      }
      cells.push_back({cell[0].get<int>(), cell[1].get<int>(), cell[2].get<int>()});
    }
    return cells;
  }
  const nlohmann::json& dense = matrix.array("rows_true_columns_predicted");
  if (dense.size() != classes) throw Error(matrix.where("rows_true_columns_predicted") + ": expected a row per class");
  for (size_t t = 0; t < classes; ++t) {
    if (!dense[t].is_array() || dense[t].size() != classes) {
      throw Error(matrix.where("rows_true_columns_predicted") + ": row " + std::to_string(t) +
                  " is not a row per class");
    }
    for (size_t p = 0; p < classes; ++p) {
      if (!dense[t][p].is_number_integer())
        throw Error(matrix.where("rows_true_columns_predicted") + ": expected counts");
      const int count = dense[t][p].get<int>();
      if (count != 0) cells.push_back({static_cast<int>(t), static_cast<int>(p), count});
    }
  }
  return cells;
}

int class_index(const std::vector<ClassStatistics>& classes, const std::string& name, const std::string& where) {
  for (size_t c = 0; c < classes.size(); ++c) {
    if (classes[c].name == name) return static_cast<int>(c);
  }
  throw Error(where + ": \"" + name + "\" is none of the report's classes");
}

}  // namespace

ClassificationReport classification_report_from_json(const nlohmann::json& recorded, const std::string& file) {
  const RecordedFields fields(recorded, file);
  ClassificationReport report;
  report.samples = fields.integer("samples");
  report.top1 = fields.number("top1");
  report.topk = fields.number("top_k");
  report.k = fields.integer("k");
  report.mean_per_class_accuracy = fields.number("mean_per_class_accuracy");
  for (size_t c = 0; c < fields.array("per_class").size(); ++c) {
    const RecordedFields statistic = fields.element("per_class", c);
    report.classes.push_back({statistic.text("class"), statistic.number("precision"), statistic.number("recall"),
                              statistic.number("f1"), statistic.integer("support"), statistic.integer("predicted")});
  }
  report.confusion = confusion_from(fields.object("confusion_matrix"), report.classes.size());
  report.skipped_files = fields.integer("skipped_files");
  if (fields.has("tta")) report.tta = fields.text("tta");
  if (fields.has("highest_losses")) {
    for (size_t i = 0; i < fields.array("highest_losses").size(); ++i) {
      const RecordedFields sample = fields.element("highest_losses", i);
      LossySample& lossy = report.highest_losses.emplace_back(
          LossySample{sample.text("path"), class_index(report.classes, sample.text("true"), sample.where("true")),
                      class_index(report.classes, sample.text("predicted"), sample.where("predicted")),
                      sample.number("probability"), sample.number("true_probability"), sample.number("loss")});
      if (sample.has("heat_maps")) {
        const RecordedFields maps = sample.object("heat_maps");
        lossy.predicted_heat_map = heat_map_from_json(maps.object("predicted"));
        lossy.true_heat_map = heat_map_from_json(maps.object("true"));
      }
    }
  }
  if (fields.has("calibration")) report.calibration = calibration_from_json(fields.object("calibration"));
  return report;
}

std::string format_report(const ClassificationReport& report) {
  size_t width = 5;
  for (const auto& c : report.classes) width = std::max(width, c.name.size());
  std::string text;
  char line[512];
  // Top-k over k = all classes is 100% by definition (top-2 of cat and dog): not shown.
  char top_k[48] = "";
  if (static_cast<size_t>(report.k) < report.classes.size())
    std::snprintf(top_k, sizeof top_k, "   top-%d %.2f%%", report.k, 100 * report.topk);
  const std::string tta = report.tta == "none" ? "" : "   test-time " + report.tta;
  std::snprintf(line, sizeof line, "samples %d   top-1 %.2f%%%s   mean per-class %.2f%%   skipped %d%s\n\n",
                report.samples, 100 * report.top1, top_k, 100 * report.mean_per_class_accuracy, report.skipped_files,
                tta.c_str());
  text += line;
  if (report.calibration) {
    std::snprintf(line, sizeof line,
                  "log loss %.4f   Brier %.4f   calibration error %.2f%% (ECE, %zu bins of top-1 probability)\n\n",
                  report.calibration->log_loss, report.calibration->brier,
                  100 * report.calibration->expected_calibration_error, report.calibration->bins.size());
    text += line;
  }
  std::snprintf(line, sizeof line, "%-*s %9s %9s %9s %8s\n", static_cast<int>(width), "class", "precision", "recall",
                "f1", "support");
  text += line;
  // Thousands of rows would bury the summary: past kPrintedClasses the worst recalls are shown.
  std::vector<size_t> shown(report.classes.size());
  std::iota(shown.begin(), shown.end(), size_t{0});
  if (shown.size() > kPrintedClasses) {
    std::stable_sort(shown.begin(), shown.end(), [&](size_t a, size_t b) {
      const auto& x = report.classes[a];
      const auto& y = report.classes[b];
      return (x.support > 0) != (y.support > 0) ? x.support > 0 : x.recall < y.recall;
    });
    shown.resize(kPrintedClasses);
  }
  for (const size_t index : shown) {
    const auto& c = report.classes[index];
    std::snprintf(line, sizeof line, "%-*s %9.3f %9.3f %9.3f %8d\n", static_cast<int>(width), c.name.c_str(),
                  c.precision, c.recall, c.f1, c.support);
    text += line;
  }
  if (shown.size() < report.classes.size()) {
    text += "(the " + std::to_string(shown.size()) + " lowest recalls of " + std::to_string(report.classes.size()) +
            " classes; every class is in the JSON report)\n";
  }
  if (report.classes.size() <= 10) {
    std::vector<std::vector<int>> rows(report.classes.size(), std::vector<int>(report.classes.size(), 0));
    for (const auto& cell : report.confusion)
      rows[static_cast<size_t>(cell.true_class)][static_cast<size_t>(cell.predicted)] = cell.count;
    text += "\nconfusion (rows: true, columns: predicted)\n";
    for (size_t r = 0; r < report.classes.size(); ++r) {
      std::snprintf(line, sizeof line, "%-*s", static_cast<int>(width), report.classes[r].name.c_str());
      text += line;
      for (int count : rows[r]) {
        std::snprintf(line, sizeof line, " %6d", count);
        text += line;
      }
      text += "\n";
    }
  }
  return text;
}

}  // namespace tl
