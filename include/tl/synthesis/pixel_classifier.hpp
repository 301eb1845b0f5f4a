#pragma once
// PixelClassifier: a classifier seen from its input pixels, for optimising images through it
// (tl-dream's class images, tl-attack's adversarial examples). Pixels are RGB in [0, 1], [N,3,H,W];
// the model's normalisation (mean, std, channel order) is part of the differentiable graph, so
// gradients arrive in pixel space and a clamp to [0, 1] keeps every image valid.
//
// Two sources: a trained run (its backbone + head, checked like TrainedClassifier), or a whole
// classifier saved as TorchScript with its labels (e.g. ../shared/models/*/model.pt + labels.txt,
// metadata from model.json, whose label_offset maps ImageNet class k to output k + offset).
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "tl/config/preprocessing_options.hpp"
#include "tl/model/class_score.hpp"
#include "tl/synthesis/classifier_source.hpp"

namespace torch::jit {
struct Module;
}  // namespace torch::jit

namespace tl {

class TrainedClassifier;

class PixelClassifier {
 public:
  static PixelClassifier open_run(const std::filesystem::path& run,
                                  const std::optional<std::filesystem::path>& checkpoint, torch::Device device);
  // The run or the model the source names (a tl::Error when it names neither).
  static PixelClassifier open(const ClassifierSource& source, torch::Device device);
  // labels: default labels.txt beside the model; metadata: default <stem>.json, else model.json beside it.
  static PixelClassifier open_model(const std::filesystem::path& model,
                                    const std::optional<std::filesystem::path>& labels,
                                    const std::optional<std::filesystem::path>& metadata, torch::Device device);

  // Logits [N, classes] for pixels [N,3,H,W] in [0,1] on device(); differentiable w.r.t. the pixels.
  torch::Tensor logits(const torch::Tensor& pixels);

  const std::vector<std::string>& class_names() const { return class_names_; }
  const Preprocessing& preprocessing() const { return preprocessing_; }
  torch::Device device() const { return device_; }
  const std::string& description() const { return description_; }

  // A class by name ("Siamese cat"; a comma-separated alias of a label; case-insensitive) or by
  // number in the model's own class numbering (ImageNet k for a model with label_offset 1 is output
  // k + 1). Throws tl::Error listing near matches when it is unknown or ambiguous.
  int resolve_class(const std::string& target) const;

  // The k most probable classes of one image [1,3,H,W] in [0,1], and the probability of one class;
  // an image of another size is resized (bilinear) to the model's input first. No gradients.
  std::vector<ClassScore> top_classes(const torch::Tensor& pixels, int k);
  double probability_of(const torch::Tensor& pixels, int index);

  // An image file as the model sees it: decoded, resized, centre-cropped; [1,3,H,W] RGB in [0,1].
  torch::Tensor load_pixels(const std::filesystem::path& image) const;

 private:
  PixelClassifier(torch::Device device) : device_(device) {}
  torch::Tensor normalise(const torch::Tensor& pixels) const;
  torch::Tensor probabilities(const torch::Tensor& pixels);

  torch::Device device_;
  std::string description_;
  Preprocessing preprocessing_;
  std::vector<std::string> class_names_;
  int label_offset_ = 0;
  std::shared_ptr<TrainedClassifier> run_;
  std::shared_ptr<torch::jit::Module> model_;
};

// Writes pixels [1,3,H,W] (or [3,H,W]) in [0,1] as an 8-bit PNG, atomically.
void write_png(const std::filesystem::path& path, const torch::Tensor& pixels);

// Pixels rounded to the 8 bits a PNG holds, so what is measured is what is saved.
torch::Tensor quantize_pixels(const torch::Tensor& pixels);

}  // namespace tl
