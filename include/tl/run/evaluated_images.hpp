#pragma once
// What a classifier predicted for each image of an evaluated split, for a user to review, join or
// re-score: tl-eval writes it as predictions_<split>.csv beside its JSON (docs: README, "The run
// directory").
#include <string>
#include <vector>

namespace tl {

struct EvaluatedImage {
  std::string path;                       // as the run's other files write paths (UTF-8, stray bytes as \xNN)
  int label = 0;                          // the true class
  std::vector<int> top_classes;           // the k most probable classes, most probable first
  std::vector<double> top_probabilities;  // their softmax probabilities
  double true_probability = 0;
  double loss = 0;  // -log(true_probability)

  int predicted() const { return top_classes.front(); }
};

// logits: samples x classes, row-major. Sorted by path (byte order), so that the same evaluation
// always writes the same file whatever the number of ranks. Throws tl::Error on sizes that do not fit.
std::vector<EvaluatedImage> evaluated_images(const std::vector<float>& logits, const std::vector<int>& labels,
                                             const std::vector<std::string>& paths, size_t classes, size_t k);

// One header line, then a row per image: path, true_class, predicted_class, probability,
// true_probability, loss, correct (1 or 0), then class_2, probability_2 ... up to k. Cells are
// quoted and guarded against spreadsheet formulas (tl/base/csv_cell.hpp).
std::string predictions_csv(const std::vector<EvaluatedImage>& predictions,
                            const std::vector<std::string>& class_names);

}  // namespace tl
