#include "tl/eval/prediction.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>
#include <optional>

#include <torch/torch.h>

#include "tl/data/image_decoder.hpp"
#include "tl/data/preprocessing.hpp"
#include "tl/eval/evaluation.hpp"
#include "tl/explain/heat_map_request.hpp"
#include "tl/features/device.hpp"
#include "tl/model/trained_classifier.hpp"
#include "tl/run/class_probabilities.hpp"

namespace tl {

Predictor::Predictor(const std::filesystem::path& run, const std::optional<std::filesystem::path>& checkpoint,
                     const std::string& device)
    : classifier_(std::make_unique<TrainedClassifier>(run, checkpoint, resolve_device(device))) {}

Predictor::~Predictor() = default;
Predictor::Predictor(Predictor&&) noexcept = default;
Predictor& Predictor::operator=(Predictor&&) noexcept = default;

const std::vector<std::string>& Predictor::class_names() const { return classifier_->class_names(); }

std::vector<std::filesystem::path> Predictor::explain(const std::vector<ImagePrediction>& predictions,
                                                      const std::filesystem::path& folder) {
  std::vector<ExplainedImage> explained;
  for (const ImagePrediction& prediction : predictions) {
    if (!prediction.error.empty()) continue;
    const ClassScore& top = prediction.top.front();
    char caption[64];
    std::snprintf(caption, sizeof caption, " %.1f%%", 100 * top.probability);
    explained.push_back(
        {prediction.image, top.index, prediction.image.filename().string() + ": " + top.name + caption});
  }
  return write_heat_map_figures(*classifier_, explained, folder, classifier_->tta() == TestTimeAugmentation::flip);
}

ImagePrediction Predictor::predict(const std::filesystem::path& image, int k) {
  ImagePrediction prediction{image, {}, {}};
  // Each backbone gets the image in its own preprocessing, decoded once per decode size.
  std::vector<torch::Tensor> inputs;
  std::optional<DecodedImage> decoded;
  int decoded_for = 0;
  for (const LoadedBackbone& loaded : classifier_->backbones()) {
    const Preprocessing& preprocessing = loaded.preprocessing;
    if (!decoded || decoded_for != preprocessing.decode_shorter_side()) {
      decoded = decode_image_file(image, preprocessing.decode_shorter_side());
      decoded_for = preprocessing.decode_shorter_side();
    }
    if (!decoded->error.empty()) {
      prediction.error = decoded->error;
      return prediction;
    }
    torch::Tensor input = torch::empty({1, 3, preprocessing.height, preprocessing.width});
    preprocess_for_eval(decoded->rgb, preprocessing, input.data_ptr<float>());
    inputs.push_back(input);
  }
  const torch::Tensor probabilities = torch::softmax(classifier_->logits_for_inputs(inputs), 1).to(torch::kCPU)[0];
  const auto [values, indices] = probabilities.topk(std::min<int64_t>(k, probabilities.size(0)));
  for (int64_t i = 0; i < values.size(0); ++i) {
    const auto index = static_cast<int>(indices[i].item<int64_t>());
    prediction.top.push_back({class_names()[index], index, values[i].item<double>()});
  }
  return prediction;
}

std::vector<ImagePrediction> Predictor::predict_all(const std::vector<std::filesystem::path>& images, int k,
                                                    SkippedFiles& skipped) {
  Dataset dataset;
  dataset.class_names = class_names();
  for (const auto& image : images) {
    dataset.samples.push_back({image, 0});
    dataset.official.push_back(OfficialSplit::none);
  }
  std::vector<size_t> indices(images.size());
  std::iota(indices.begin(), indices.end(), size_t{0});
  const ScoredImages scored = score_dataset(*classifier_, dataset, indices, "predict", skipped);

  std::vector<ImagePrediction> predictions(images.size());
  std::map<std::filesystem::path, std::string> reasons;
  for (const SkippedFile& file : skipped.list()) reasons.emplace(file.path, file.reason);
  for (size_t i = 0; i < images.size(); ++i) {
    predictions[i].image = images[i];
    const auto reason = reasons.find(images[i]);
    predictions[i].error = reason != reasons.end() ? reason->second : "not decoded";
  }
  const size_t classes = scored.classes;
  for (size_t row = 0; row < scored.sample_indices.size(); ++row) {
    ImagePrediction& prediction = predictions[scored.sample_indices[row]];
    prediction.error.clear();
    const ClassProbabilities probabilities = class_probabilities(scored.logits.data() + row * classes, classes);
    for (const int index : most_probable(probabilities, static_cast<size_t>(k))) {
      prediction.top.push_back(
          {class_names()[static_cast<size_t>(index)], index, probabilities.probabilities[static_cast<size_t>(index)]});
    }
  }
  return predictions;
}

}  // namespace tl
