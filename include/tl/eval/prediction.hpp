#pragma once
// Prediction: a trained run's most probable classes for image files, one at a time or many in
// batches (as tl-predict does). The header needs no tensors, so a program that only predicts compiles without
// LibTorch's.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tl/data/skipped_files.hpp"
#include "tl/model/class_score.hpp"

namespace tl {

class TrainedClassifier;

struct ImagePrediction {
  std::filesystem::path image;
  std::string error;            // why the file could not be classified; empty on success
  std::vector<ClassScore> top;  // most probable first
};

class Predictor {
 public:
  // device: auto | cpu | cuda | cuda:N. checkpoint: default <run>/best.pt.
  Predictor(const std::filesystem::path& run, const std::optional<std::filesystem::path>& checkpoint,
            const std::string& device);
  ~Predictor();
  Predictor(Predictor&&) noexcept;
  Predictor& operator=(Predictor&&) noexcept;

  // The k most probable classes (fewer when there are fewer classes). A file that cannot be decoded
  // is reported in `error`, never thrown.
  ImagePrediction predict(const std::filesystem::path& image, int k);
  // The same for many images at once, in their order: decoded by the run's loader (data.workers
  // threads, data.batch_size per batch, progress on the terminal) and scored as tl-eval scores
  // (eval.tta included), with the features of unchanged backbones from the cache. Files that cannot
  // be decoded are also listed in `skipped`.
  std::vector<ImagePrediction> predict_all(const std::vector<std::filesystem::path>& images, int k,
                                           SkippedFiles& skipped);
  // For each prediction without an error, a PNG in `folder` of the photo as the run saw it beside
  // the heat map of its most probable class (tl-predict --explain); returns the files written.
  std::vector<std::filesystem::path> explain(const std::vector<ImagePrediction>& predictions,
                                             const std::filesystem::path& folder);
  const std::vector<std::string>& class_names() const;

 private:
  std::unique_ptr<TrainedClassifier> classifier_;
};

}  // namespace tl
