#include "tl/explain/heat_map_request.hpp"

#include <cstdio>
#include <set>

#include <torch/torch.h>

#include "tl/base/ascii_case.hpp"
#include "tl/base/error.hpp"
#include "tl/base/utf8_text.hpp"
#include "tl/data/heat_map_overlay.hpp"
#include "tl/data/png_file.hpp"
#include "tl/explain/class_heat_map.hpp"
#include "tl/explain/photo_view.hpp"
#include "tl/features/device.hpp"
#include "tl/model/trained_classifier.hpp"

namespace fs = std::filesystem;

namespace tl {
namespace {

// A view of the map's values, for drawing while the map lives.
cv::Mat grid_of(const HeatMap& map) {
  return cv::Mat(map.rows, map.cols, CV_32F, const_cast<float*>(map.values.data()));
}

std::string percent(double probability) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", 100 * probability);
  return text;
}

// A class by number or by name, exactly or ignoring case.
int class_named(const std::vector<std::string>& names, const std::string& target, const fs::path& run) {
  const bool number = !target.empty() && target.find_first_not_of("0123456789") == std::string::npos;
  if (number && target.size() < 9 && std::stoi(target) < static_cast<int>(names.size())) return std::stoi(target);
  if (const std::optional<size_t> found = find_name(names, target)) return static_cast<int>(*found);
  std::string listed;
  for (size_t i = 0; i < names.size() && i < 12; ++i) listed += (i ? ", " : "") + names[i];
  throw Error("class \"" + target + "\": not one of the " + std::to_string(names.size()) + " classes of run " +
              path_text(run) + " (" + listed + (names.size() > 12 ? ", ..." : "") + ") nor a class number below " +
              std::to_string(names.size()));
}

cv::Mat figure_for(ClassHeatMaps& heat_maps, const PhotoView& view, int class_index, const std::string& caption,
                   bool flips) {
  const HeatMap map = heat_maps.maps(view.input, {class_index}, flips).front();
  return heat_map_figure(view.rgb, grid_of(map), caption);
}

torch::Device input_device(const TrainedClassifier& classifier) {
  return classifier.backbones().front().backbone->device();
}

}  // namespace

HeatMapOutcome heat_map_to_files(const HeatMapRequest& request) {
  TrainedClassifier classifier(request.run, request.checkpoint, resolve_device(request.device));
  ClassHeatMaps heat_maps(classifier);
  const PhotoView view = view_photo(request.image, classifier.preprocessing(), input_device(classifier));
  const torch::Tensor probabilities = classifier.probabilities_for_images(view.input)[0].to(torch::kCPU);
  const auto& names = classifier.class_names();
  const int predicted = static_cast<int>(probabilities.argmax().item<int64_t>());
  const int target = request.target ? class_named(names, *request.target, request.run) : predicted;
  const bool flips = request.flips.value_or(classifier.tta() == TestTimeAugmentation::flip);

  HeatMapOutcome outcome;
  outcome.image = request.out;
  outcome.target = names[static_cast<size_t>(target)];
  outcome.predicted = names[static_cast<size_t>(predicted)];
  outcome.target_probability = probabilities[target].item<double>();
  outcome.predicted_probability = probabilities[predicted].item<double>();
  outcome.blocks = heat_maps.blocks();
  std::string caption = "where it sees " + outcome.target + " (" + percent(outcome.target_probability) + ")";
  if (target != predicted) caption += "; predicted " + outcome.predicted + " " + percent(outcome.predicted_probability);
  write_png_file(request.out, figure_for(heat_maps, view, target, caption + (flips ? "; with flips" : ""), flips));
  return outcome;
}

std::vector<fs::path> write_heat_map_figures(TrainedClassifier& classifier, const std::vector<ExplainedImage>& images,
                                             const fs::path& folder, bool flips) {
  ClassHeatMaps heat_maps(classifier);
  std::set<std::string> used;
  std::vector<fs::path> written;
  for (const ExplainedImage& image : images) {
    const std::string stem = image.image.stem().string();
    std::string name = stem + ".png";
    for (int copy = 2; !used.insert(name).second; ++copy) name = stem + "_" + std::to_string(copy) + ".png";
    const PhotoView view = view_photo(image.image, classifier.preprocessing(), input_device(classifier));
    write_png_file(folder / name, figure_for(heat_maps, view, image.class_index, image.caption, flips));
    written.push_back(folder / name);
  }
  return written;
}

}  // namespace tl
