#include "tl/synthesis/dream_request.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "tl/base/atomic_file.hpp"
#include "tl/base/progress.hpp"
#include "tl/base/utf8_text.hpp"
#include "tl/features/device.hpp"
#include "tl/synthesis/dream.hpp"

namespace tl {

DreamOutcome dream_to_files(const DreamRequest& request) {
  PixelClassifier classifier = PixelClassifier::open(request.classifier, resolve_device(request.device));
  DreamOptions options = request.options;
  options.target = classifier.resolve_class(request.target);
  options.height = request.size > 0 ? request.size : classifier.preprocessing().height;
  options.width = request.size > 0 ? request.size : classifier.preprocessing().width;
  std::optional<torch::Tensor> start;
  if (request.start_image) start = classifier.load_pixels(*request.start_image);
  const std::filesystem::path& out = request.out;
  const auto snapshot_path = [&](int step) {
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "_step%05d.png", step);
    return out.parent_path() / (out.stem().string() + suffix);
  };

  const std::string& target_name = classifier.class_names()[options.target];
  Progress progress("dream " + target_name, options.steps, "steps");
  const DreamResult result = dream(classifier, options, start, [&](int step, const torch::Tensor& pixels) {
    if (request.snapshot_every > 0 && step % request.snapshot_every == 0) write_png(snapshot_path(step), pixels);
    progress.advance(1);
  });
  progress.finish();
  write_png(out, result.pixels);

  nlohmann::json log = nlohmann::json::array();
  for (const auto& line : result.log) {
    log.push_back({{"step", line.step},
                   {"target_probability", line.target_probability},
                   {"cross_entropy", line.cross_entropy},
                   {"total_variation", line.total_variation},
                   {"loss", line.loss}});
  }
  const nlohmann::json report = {
      {"classifier", classifier.description()},
      {"target", {{"name", target_name}, {"index", options.target}}},
      {"image", path_text(out)},
      {"start", request.start_image ? path_text(*request.start_image) : std::string("noise")},
      {"size", {options.height, options.width}},
      {"steps", options.steps},
      {"optimizer", name_of(options.optimizer)},
      {"lr", options.lr},
      {"ce_weight", options.ce_weight},
      {"tv_weight", options.tv_weight},
      {"seed", options.seed},
      {"target_probability", result.target_probability},
      {"total_variation", result.total_variation},
      {"log", log}};
  const std::filesystem::path report_path =
      request.report ? *request.report : std::filesystem::path(out).replace_extension(".json");
  write_file_atomically(report_path, report.dump(2) + "\n");
  return {out, report_path, target_name, result.target_probability, result.total_variation};
}

}  // namespace tl
