#include "tl/synthesis/attack_request.hpp"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "tl/base/atomic_file.hpp"
#include "tl/base/error.hpp"
#include "tl/base/utf8_text.hpp"
#include "tl/features/device.hpp"
#include "tl/synthesis/adversarial_attack.hpp"

namespace tl {
namespace {

nlohmann::json to_json(const std::vector<ClassScore>& top) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& score : top) {
    list.push_back({{"class", score.name}, {"index", score.index}, {"probability", score.probability}});
  }
  return list;
}

// The second network's view of both images, and of the target by the first network's class name.
nlohmann::json transfer_report(PixelClassifier& second, const PixelClassifier& first, const torch::Tensor& original,
                               const torch::Tensor& adversarial, const std::optional<int>& target) {
  nlohmann::json transferred = {{"classifier", second.description()},
                                {"source_top5", to_json(second.top_classes(original, 5))},
                                {"result_top5", to_json(second.top_classes(adversarial, 5))}};
  if (target) {
    try {
      const int index = second.resolve_class(first.class_names()[*target]);
      transferred["target_probability"] = second.probability_of(adversarial, index);
    } catch (const Error&) {
      transferred["target_probability"] = nullptr;  // the second network has no class of that name
    }
  }
  return transferred;
}

}  // namespace

AttackOutcome attack_to_files(const AttackRequest& request) {
  const torch::Device device = resolve_device(request.device);
  PixelClassifier classifier = PixelClassifier::open(request.classifier, device);
  AttackOptions options = request.options;
  if (request.target) options.target = classifier.resolve_class(*request.target);
  const torch::Tensor original = classifier.load_pixels(request.image);
  const AttackResult result = attack(classifier, original, options);

  const std::filesystem::path& out = request.out;
  const auto beside = [&](const std::string& suffix) { return out.parent_path() / (out.stem().string() + suffix); };
  const std::filesystem::path change_path = request.perturbation.value_or(beside("_perturbation.png"));
  const std::filesystem::path report_path = request.report.value_or(beside(".json"));
  // The photo as the network saw it (resized, cropped), beside the result, to compare pixel by pixel.
  const std::filesystem::path source_path = beside("_source.png");
  write_png(source_path, original);
  write_png(out, result.adversarial);
  write_png(change_path, perturbation_image(original, result.adversarial, options.epsilon));

  const std::vector<ClassScore> source_top = classifier.top_classes(original, 5);
  const std::vector<ClassScore> result_top = classifier.top_classes(result.adversarial, 5);
  const bool success =
      options.target ? result_top[0].index == *options.target : result_top[0].index != source_top[0].index;
  nlohmann::json report = {{"classifier", classifier.description()},
                           {"image", path_text(request.image)},
                           {"method", name_of(options.method)},
                           {"epsilon", options.epsilon},
                           {"source", path_text(source_path)},
                           {"adversarial", path_text(out)},
                           {"perturbation", path_text(change_path)},
                           {"source_top5", to_json(source_top)},
                           {"result_top5", to_json(result_top)},
                           {"success", success},
                           {"linf", result.linf},
                           {"l2", result.l2}};
  if (options.method == AttackMethod::pgd) {
    report["steps"] = options.steps;
    report["step_size"] = options.step_size;
  }
  if (options.target) {
    report["target"] = {{"name", classifier.class_names()[*options.target]},
                        {"index", *options.target},
                        {"source_probability", classifier.probability_of(original, *options.target)},
                        {"result_probability", classifier.probability_of(result.adversarial, *options.target)}};
  }
  if (request.transfer.given()) {
    PixelClassifier second = PixelClassifier::open(request.transfer, device);
    report["transfer"] = transfer_report(second, classifier, original, result.adversarial, options.target);
  }
  write_file_atomically(report_path, report.dump(2) + "\n");
  return {out,
          report_path,
          source_top[0].name,
          result_top[0].name,
          source_top[0].probability,
          result_top[0].probability,
          result.linf,
          result.l2,
          success};
}

}  // namespace tl
