#pragma once
// Class heat maps from files to files: tl-explain heat-map's one image, and tl-predict --explain's
// figure per predicted image. Free of LibTorch.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tl {

class TrainedClassifier;

struct HeatMapRequest {
  std::filesystem::path run;
  std::optional<std::filesystem::path> checkpoint;  // default <run>/best.pt
  std::filesystem::path image;
  std::optional<std::string> target;  // a class name (case ignored) or number; default the predicted one
  std::optional<bool> flips;          // default: the run's eval.tta
  std::filesystem::path out;          // the PNG: the photo as the model saw it, and the map over it
  std::string device = "auto";
};

struct HeatMapOutcome {
  std::filesystem::path image;
  std::string target, predicted;
  double target_probability = 0, predicted_probability = 0;
  std::vector<std::string> blocks;  // read in each backbone
};

HeatMapOutcome heat_map_to_files(const HeatMapRequest& request);

struct ExplainedImage {
  std::filesystem::path image;
  int class_index = 0;
  std::string caption;
};

// A figure per image (photo, map of its class over it, caption) in `folder`, named <stem>.png, or
// <stem>_2.png and so on when a stem repeats; returns the files in order. An image that cannot be
// decoded is a tl::Error naming it.
std::vector<std::filesystem::path> write_heat_map_figures(TrainedClassifier& classifier,
                                                          const std::vector<ExplainedImage>& images,
                                                          const std::filesystem::path& folder, bool flips);

}  // namespace tl
