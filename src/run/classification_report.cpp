#include "tl/run/classification_report.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>

#include "tl/base/error.hpp"

namespace tl {
namespace {

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
  report.confusion.assign(classes, std::vector<int>(classes, 0));
  int correct = 0, correct_k = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const int label = labels[i];
    if (label < 0 || label >= classes)
      throw Error("classification report: label " + std::to_string(label) + " out of range");
    const float* row = scores.data() + i * classes;
    const int predicted = argmax(row, classes);
    ++report.confusion[label][predicted];
    correct += predicted == label;
    correct_k += within_top_k(row, classes, label, report.k);
  }
  report.top1 = ratio(correct, report.samples);
  report.topk = ratio(correct_k, report.samples);

  double recall_sum = 0;
  int present = 0;
  for (int c = 0; c < classes; ++c) {
    ClassStatistics statistics;
    statistics.name = class_names[c];
    for (int other = 0; other < classes; ++other) {
      statistics.support += report.confusion[c][other];
      statistics.predicted += report.confusion[other][c];
    }
    const int hits = report.confusion[c][c];
    statistics.precision = ratio(hits, statistics.predicted);
    statistics.recall = ratio(hits, statistics.support);
    statistics.f1 = ratio(2 * statistics.precision * statistics.recall, statistics.precision + statistics.recall);
    if (statistics.support > 0) {
      recall_sum += statistics.recall;
      ++present;
    }
    report.classes.push_back(statistics);
  }
  report.mean_per_class_accuracy = ratio(recall_sum, present);
  return report;
}

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
  }
  return {{"samples", report.samples},
          {"top1", report.top1},
          {"top_k", report.topk},
          {"k", report.k},
          {"mean_per_class_accuracy", report.mean_per_class_accuracy},
          {"per_class", per_class},
          {"confusion_matrix", {{"classes", names}, {"rows_true_columns_predicted", report.confusion}}},
          {"skipped_files", report.skipped_files},
          {"highest_losses", losses}};
}

std::string format_report(const ClassificationReport& report) {
  size_t width = 5;
  for (const auto& c : report.classes) width = std::max(width, c.name.size());
  std::string text;
  char line[512];
  std::snprintf(line, sizeof line, "samples %d   top-1 %.2f%%   top-%d %.2f%%   mean per-class %.2f%%   skipped %d\n\n",
                report.samples, 100 * report.top1, report.k, 100 * report.topk, 100 * report.mean_per_class_accuracy,
                report.skipped_files);
  text += line;
  std::snprintf(line, sizeof line, "%-*s %9s %9s %9s %8s\n", static_cast<int>(width), "class", "precision", "recall",
                "f1", "support");
  text += line;
  for (const auto& c : report.classes) {
    std::snprintf(line, sizeof line, "%-*s %9.3f %9.3f %9.3f %8d\n", static_cast<int>(width), c.name.c_str(),
                  c.precision, c.recall, c.f1, c.support);
    text += line;
  }
  if (report.classes.size() <= 10) {
    text += "\nconfusion (rows: true, columns: predicted)\n";
    for (size_t r = 0; r < report.classes.size(); ++r) {
      std::snprintf(line, sizeof line, "%-*s", static_cast<int>(width), report.classes[r].name.c_str());
      text += line;
      for (int count : report.confusion[r]) {
        std::snprintf(line, sizeof line, " %6d", count);
        text += line;
      }
      text += "\n";
    }
  }
  return text;
}

}  // namespace tl
