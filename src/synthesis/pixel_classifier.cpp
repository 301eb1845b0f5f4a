#include "tl/synthesis/pixel_classifier.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include <nlohmann/json.hpp>
#include <opencv2/core/mat.hpp>
#include <torch/script.h>
#include <torch/torch.h>

#include "tl/base/ascii_case.hpp"
#include "tl/base/error.hpp"
#include "tl/base/file_bytes.hpp"
#include "tl/base/utf8_text.hpp"
#include "tl/config/backbone_metadata.hpp"
#include "tl/data/image_decoder.hpp"
#include "tl/data/png_file.hpp"
#include "tl/data/preprocessing.hpp"
#include "tl/features/input_conversion.hpp"
#include "tl/model/trained_classifier.hpp"

namespace fs = std::filesystem;

namespace tl {
namespace {

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

// Far above a labels file (ImageNet's 1,000 names are 20 KB) or a backbone's metadata.
constexpr uint64_t kMaxLabelsBytes = 16ULL << 20;

std::vector<std::string> read_labels(const fs::path& path) {
  const BoundedRead file = read_regular_file(path, kMaxLabelsBytes);
  if (!file.bytes) {
    throw Error(path.string() + ": " +
                (file.missing ? "labels file not found (one class name per line, in output order)" : file.error));
  }
  std::istringstream lines(*file.bytes);
  std::vector<std::string> labels;
  for (std::string line; std::getline(lines, line);) labels.push_back(trimmed(line));
  while (!labels.empty() && labels.back().empty()) labels.pop_back();
  if (labels.empty()) throw Error(path.string() + ": labels file is empty");
  return labels;
}

int read_label_offset(const fs::path& metadata) {
  if (!fs::exists(metadata)) return 0;
  const auto json = nlohmann::json::parse(read_regular_file_or_throw(metadata, kMaxLabelsBytes), nullptr, false);
  if (json.is_discarded() || !json.contains("label_offset")) return 0;
  if (!json["label_offset"].is_number_integer() || json["label_offset"].get<int>() < 0) {
    throw Error(metadata.string() + ": label_offset: expected a non-negative integer");
  }
  return json["label_offset"].get<int>();
}

}  // namespace

PixelClassifier PixelClassifier::open_run(const fs::path& run, const std::optional<fs::path>& checkpoint,
                                          torch::Device device) {
  PixelClassifier classifier(device);
  classifier.run_ = std::make_shared<TrainedClassifier>(run, checkpoint, device);
  const auto& backbones = classifier.run_->backbones();
  for (size_t i = 1; i < backbones.size(); ++i) {
    try {
      input_conversion(backbones[0].preprocessing, backbones[i].preprocessing);
    } catch (const Error& error) {
      throw Error("run " + path_text(run) + ": the optimised pixels feed every backbone, and " + error.what());
    }
  }
  for (auto parameter : classifier.run_->head()->parameters()) parameter.set_requires_grad(false);
  classifier.description_ = "run " + path_text(run);
  classifier.preprocessing_ = classifier.run_->preprocessing();
  classifier.class_names_ = classifier.run_->class_names();
  return classifier;
}

PixelClassifier PixelClassifier::open(const ClassifierSource& source, torch::Device device) {
  if (source.run) return open_run(*source.run, source.checkpoint, device);
  if (source.model) return open_model(*source.model, source.labels, source.metadata, device);
  throw Error("no classifier: give a run directory or a TorchScript model");
}

PixelClassifier PixelClassifier::open_model(const fs::path& model, const std::optional<fs::path>& labels,
                                            const std::optional<fs::path>& metadata, torch::Device device) {
  PixelClassifier classifier(device);
  if (!fs::is_regular_file(model)) throw Error(model.string() + ": model file not found");
  const fs::path metadata_path = metadata.value_or(default_metadata_path(model));
  classifier.preprocessing_ = load_backbone_metadata(metadata_path).preprocessing();
  classifier.label_offset_ = read_label_offset(metadata_path);
  classifier.class_names_ = read_labels(labels.value_or(model.parent_path() / "labels.txt"));
  classifier.description_ = "model " + path_text(model);
  try {
    classifier.model_ = std::make_shared<torch::jit::Module>(torch::jit::load(model.string(), device));
  } catch (const c10::Error& error) {
    throw Error(model.string() + ": not a TorchScript file LibTorch can load: " + error.what_without_backtrace());
  }
  classifier.model_->eval();
  for (auto parameter : classifier.model_->parameters()) parameter.set_requires_grad(false);

  torch::NoGradGuard no_grad;
  const auto& p = classifier.preprocessing_;
  const torch::Tensor probe = classifier.logits(torch::full({1, 3, p.height, p.width}, 0.5, device));
  if (probe.dim() != 2 || probe.size(1) != static_cast<int64_t>(classifier.class_names_.size())) {
    throw Error(model.string() + ": gives " + std::to_string(probe.dim() == 2 ? probe.size(1) : -1) +
                " outputs per image but its labels list " + std::to_string(classifier.class_names_.size()) +
                " classes (a whole classifier returning logits [N, classes] is needed)");
  }
  return classifier;
}

torch::Tensor PixelClassifier::normalise(const torch::Tensor& pixels) const {
  const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(pixels.device());
  const auto mean = torch::tensor(std::vector<float>(preprocessing_.mean.begin(), preprocessing_.mean.end()), options);
  const auto std = torch::tensor(std::vector<float>(preprocessing_.std.begin(), preprocessing_.std.end()), options);
  torch::Tensor normalised = (pixels - mean.view({1, 3, 1, 1})) / std.view({1, 3, 1, 1});
  return preprocessing_.channel_order == ChannelOrder::bgr ? normalised.flip({1}) : normalised;
}

torch::Tensor PixelClassifier::logits(const torch::Tensor& pixels) {
  const torch::Tensor input = normalise(pixels);
  if (run_) return run_->head()->forward(run_->features_for_images(input, /*differentiable=*/true));
  return model_->forward({input}).toTensor();
}

torch::Tensor PixelClassifier::probabilities(const torch::Tensor& pixels) {
  torch::NoGradGuard no_grad;
  torch::Tensor input = pixels;
  if (input.size(2) != preprocessing_.height || input.size(3) != preprocessing_.width) {
    input = torch::nn::functional::interpolate(
        input, torch::nn::functional::InterpolateFuncOptions()
                   .size(std::vector<int64_t>{preprocessing_.height, preprocessing_.width})
                   .mode(torch::kBilinear)
                   .align_corners(false));
  }
  return torch::softmax(logits(input), 1)[0].to(torch::kCPU);
}

std::vector<ClassScore> PixelClassifier::top_classes(const torch::Tensor& pixels, int k) {
  const torch::Tensor all = probabilities(pixels);
  const auto [values, indices] = all.topk(std::min<int64_t>(k, all.size(0)));
  std::vector<ClassScore> top;
  for (int64_t i = 0; i < values.size(0); ++i) {
    const auto index = static_cast<int>(indices[i].item<int64_t>());
    top.push_back({class_names_[index], index, values[i].item<double>()});
  }
  return top;
}

double PixelClassifier::probability_of(const torch::Tensor& pixels, int index) {
  return probabilities(pixels)[index].item<double>();
}

int PixelClassifier::resolve_class(const std::string& target) const {
  const int count = static_cast<int>(class_names_.size());
  if (!target.empty() && std::all_of(target.begin(), target.end(), [](unsigned char c) { return std::isdigit(c); })) {
    const long number = std::stol(target);
    const long index = number + label_offset_;
    if (index >= count) {
      throw Error("class " + target + ": out of range (" + std::to_string(count - label_offset_) + " classes" +
                  (label_offset_ ? ", numbered from 0 before the label offset " + std::to_string(label_offset_) : "") +
                  ")");
    }
    return static_cast<int>(index);
  }
  const std::string wanted = ascii_lowercase(trimmed(target));
  std::vector<int> exact;
  std::vector<std::string> near;
  for (int i = 0; i < count; ++i) {
    const std::string label = ascii_lowercase(class_names_[i]);
    bool matched = label == wanted;
    std::stringstream aliases(label);
    for (std::string alias; !matched && std::getline(aliases, alias, ',');) matched = trimmed(alias) == wanted;
    if (matched) exact.push_back(i);
    if (!matched && label.find(wanted) != std::string::npos && near.size() < 6) near.push_back(class_names_[i]);
  }
  if (exact.size() == 1) return exact.front();
  std::string listed;
  const auto list = [&](const std::string& name) { listed += (listed.empty() ? "\"" : ", \"") + name + "\""; };
  if (exact.size() > 1) {
    for (int index : exact) list(class_names_[index]);
    throw Error("class \"" + target + "\" is ambiguous: " + listed + "; give a longer name or the class number");
  }
  for (const auto& name : near) list(name);
  throw Error("class \"" + target + "\" is not one of the " + std::to_string(count) + " classes of the " +
              description_ + (listed.empty() ? "" : "; similar: " + listed));
}

torch::Tensor PixelClassifier::load_pixels(const fs::path& image) const {
  Preprocessing plain = preprocessing_;
  plain.mean = {0.0f, 0.0f, 0.0f};
  plain.std = {1.0f, 1.0f, 1.0f};
  plain.channel_order = ChannelOrder::rgb;
  const DecodedImage decoded = decode_image_file(image, plain.decode_shorter_side());
  if (!decoded.error.empty()) throw Error(image.string() + ": " + decoded.error);
  torch::Tensor pixels = torch::empty({1, 3, plain.height, plain.width});
  preprocess_for_eval(decoded.rgb, plain, pixels.data_ptr<float>());
  return pixels.to(device_);
}

torch::Tensor quantize_pixels(const torch::Tensor& pixels) { return (pixels.clamp(0, 1) * 255).round() / 255; }

void write_png(const fs::path& path, const torch::Tensor& pixels) {
  const torch::Tensor chw = pixels.dim() == 4 ? pixels[0] : pixels;
  const torch::Tensor hwc =
      (chw.detach().to(torch::kCPU).clamp(0, 1) * 255).round().to(torch::kUInt8).permute({1, 2, 0}).contiguous();
  write_png_file(
      path, cv::Mat(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_8UC3, hwc.data_ptr<uint8_t>()));
}

}  // namespace tl
