#include "tl/run/evaluated_images.hpp"

#include <algorithm>
#include <cstdio>

#include "tl/base/csv_cell.hpp"
#include "tl/base/error.hpp"
#include "tl/run/class_probabilities.hpp"

namespace tl {

std::vector<EvaluatedImage> evaluated_images(const std::vector<float>& logits, const std::vector<int>& labels,
                                             const std::vector<std::string>& paths, size_t classes, size_t k) {
  if (classes == 0 || k == 0 || logits.size() != labels.size() * classes || paths.size() != labels.size()) {
    throw Error("evaluated_images: " + std::to_string(logits.size()) + " scores, " + std::to_string(labels.size()) +
                " labels and " + std::to_string(paths.size()) + " paths do not fit " + std::to_string(classes) +
                " classes");
  }
  std::vector<EvaluatedImage> predictions;
  predictions.reserve(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    const ClassProbabilities row = class_probabilities(logits.data() + i * classes, classes);
    EvaluatedImage prediction;
    prediction.path = paths[i];
    prediction.label = labels[i];
    prediction.top_classes = most_probable(row, k);
    for (const int c : prediction.top_classes)
      prediction.top_probabilities.push_back(row.probabilities[static_cast<size_t>(c)]);
    prediction.true_probability = row.probabilities[static_cast<size_t>(labels[i])];
    prediction.loss = -row.log_probabilities[static_cast<size_t>(labels[i])];
    predictions.push_back(std::move(prediction));
  }
  std::stable_sort(predictions.begin(), predictions.end(),
                   [](const EvaluatedImage& a, const EvaluatedImage& b) { return a.path < b.path; });
  return predictions;
}

namespace {

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

}  // namespace

std::string predictions_csv(const std::vector<EvaluatedImage>& predictions,
                            const std::vector<std::string>& class_names) {
  const size_t k = predictions.empty() ? 1 : predictions.front().top_classes.size();
  std::string csv = "path,true_class,predicted_class,probability,true_probability,loss,correct";
  for (size_t j = 2; j <= k; ++j) csv += ",class_" + std::to_string(j) + ",probability_" + std::to_string(j);
  csv += "\n";
  const auto name = [&](int index) { return csv_cell(class_names.at(static_cast<size_t>(index))); };
  for (const EvaluatedImage& prediction : predictions) {
    csv += csv_cell(prediction.path) + "," + name(prediction.label) + "," + name(prediction.predicted()) + "," +
           number(prediction.top_probabilities.front()) + "," + number(prediction.true_probability) + "," +
           number(prediction.loss) + "," + (prediction.predicted() == prediction.label ? "1" : "0");
    for (size_t j = 1; j < prediction.top_classes.size(); ++j) {
      csv += "," + name(prediction.top_classes[j]) + "," + number(prediction.top_probabilities[j]);
    }
    csv += "\n";
  }
  return csv;
}

}  // namespace tl
