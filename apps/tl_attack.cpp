// tl-attack: an adversarial example: a photo changed by at most epsilon per pixel so that the
// network sees the target class (targeted PGD), or stops seeing its own (FGSM).
#include <cstdio>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app_main.hpp"
#include "classifier_source.hpp"
#include "tl/base/atomic_file.hpp"
#include "tl/base/logging.hpp"
#include "tl/base/utf8_text.hpp"
#include "tl/features/cpu_runtime.hpp"
#include "tl/features/device.hpp"
#include "tl/features/library_error.hpp"
#include "tl/features/runtime_versions.hpp"
#include "tl/synthesis/adversarial_attack.hpp"

namespace {

nlohmann::json to_json(const std::vector<tl::ClassScore>& top) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& score : top) {
    list.push_back({{"class", score.name}, {"index", score.index}, {"probability", score.probability}});
  }
  return list;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Adversarial example: change a photo by at most epsilon per pixel until the network sees the target\n"
      "class (pgd), or stops seeing its own (fgsm). Writes the adversarial PNG, the photo as the network saw it,\n"
      "the magnified change and a JSON with both top-5s, the target probability and the size of the change."};
  tl::app::show_defaults_in_help(app);
  tl::app::ClassifierSource source, transfer;
  std::string image, out, device = "auto";
  std::optional<std::string> target, perturbation_path, json_path;
  tl::AttackOptions options;
  int threads = 0;
  tl::app::Verbosity verbosity;
  source.add_options(app);
  transfer.add_options(app, "transfer-", " (a second network: does the attack transfer?)");
  app.add_option("image", image, "the photo to attack")->required()->check(CLI::ExistingFile);
  app.add_option("-t,--target", target, "class to reach: name (or alias) or number; pgd needs one");
  tl::app::add_enum_option(app, "--method", options.method, "pgd (targeted, iterative) or fgsm (one step)",
                           tl::kAttackMethods);
  app.add_option("--epsilon", options.epsilon, "largest change per pixel, in pixel units (0-255)")
      ->check(CLI::Range(0.5, 255.0));
  app.add_option("--step-size", options.step_size, "pgd: change per step, in pixel units")->check(CLI::PositiveNumber);
  app.add_option("--steps", options.steps, "pgd: steps")->check(CLI::PositiveNumber);
  app.add_option("-o,--out", out, "adversarial PNG to write")->required()->check(tl::app::kFileNameNotStdout);
  app.add_option("--perturbation", perturbation_path, "magnified change PNG (default <out stem>_perturbation.png)");
  app.add_option("--json", json_path, "report to write (default <out stem>.json)");
  tl::app::add_device_option(app, device);
  tl::app::add_threads_option(app, threads);
  tl::app::add_verbosity_flags(app, verbosity);
  tl::app::add_version_flag(app, "tl-attack", tl::runtime_versions);
  if (const auto exit_code = tl::app::parse_command_line(app, argc, argv)) return *exit_code;
  if (!source.given()) {
    std::fprintf(stderr, "tl-attack: give --run DIR or --model FILE\n");
    return tl::app::kExitUsage;
  }
  if (options.method == tl::AttackMethod::pgd && !target) {
    std::fprintf(stderr, "tl-attack: --method pgd needs --target\n");
    return tl::app::kExitUsage;
  }

  return tl::app::guarded("tl-attack", tl::describe_library_error, [&] {
    tl::configure_logging(verbosity.level());
    tl::configure_cpu_runtime(threads);
    const torch::Device torch_device = tl::resolve_device(device);
    tl::PixelClassifier classifier = source.open(torch_device);
    if (target) options.target = classifier.resolve_class(*target);
    const torch::Tensor original = classifier.load_pixels(image);
    const tl::AttackResult result = tl::attack(classifier, original, options);

    const std::filesystem::path out_path(out);
    const auto beside = [&](const std::string& suffix) {
      return out_path.parent_path() / (out_path.stem().string() + suffix);
    };
    const std::filesystem::path change_path =
        perturbation_path ? std::filesystem::path(*perturbation_path) : beside("_perturbation.png");
    const std::filesystem::path report_path = json_path ? std::filesystem::path(*json_path) : beside(".json");
    // The photo as the network saw it (resized, cropped), beside the result, to compare pixel by pixel.
    const std::filesystem::path source_path = beside("_source.png");
    tl::write_png(source_path, original);
    tl::write_png(out_path, result.adversarial);
    tl::write_png(change_path, tl::perturbation_image(original, result.adversarial, options.epsilon));

    const nlohmann::json source_top = to_json(classifier.top_classes(original, 5));
    const nlohmann::json result_top = to_json(classifier.top_classes(result.adversarial, 5));
    const bool success =
        options.target ? result_top[0]["index"] == *options.target : result_top[0]["index"] != source_top[0]["index"];
    nlohmann::json report = {{"classifier", classifier.description()},
                             {"image", tl::utf8_text(image)},
                             {"method", tl::name_of(options.method)},
                             {"epsilon", options.epsilon},
                             {"source", tl::path_text(source_path)},
                             {"adversarial", tl::path_text(out_path)},
                             {"perturbation", tl::path_text(change_path)},
                             {"source_top5", source_top},
                             {"result_top5", result_top},
                             {"success", success},
                             {"linf", result.linf},
                             {"l2", result.l2}};
    if (options.method == tl::AttackMethod::pgd) {
      report["steps"] = options.steps;
      report["step_size"] = options.step_size;
    }
    if (options.target) {
      report["target"] = {{"name", classifier.class_names()[*options.target]},
                          {"index", *options.target},
                          {"source_probability", classifier.probability_of(original, *options.target)},
                          {"result_probability", classifier.probability_of(result.adversarial, *options.target)}};
    }
    if (transfer.given()) {
      tl::PixelClassifier second = transfer.open(torch_device);
      nlohmann::json transferred = {{"classifier", second.description()},
                                    {"source_top5", to_json(second.top_classes(original, 5))},
                                    {"result_top5", to_json(second.top_classes(result.adversarial, 5))}};
      if (options.target) {
        try {
          const int index = second.resolve_class(classifier.class_names()[*options.target]);
          transferred["target_probability"] = second.probability_of(result.adversarial, index);
        } catch (const tl::Error&) {
          transferred["target_probability"] = nullptr;  // the second network has no class of that name
        }
      }
      report["transfer"] = transferred;
    }
    tl::write_file_atomically(report_path, report.dump(2) + "\n");
    std::printf("%s: %s %.4f -> %s %.4f (L-inf %.0f, L2 %.1f pixel units)%s\n", out_path.c_str(),
                source_top[0]["class"].get<std::string>().c_str(), source_top[0]["probability"].get<double>(),
                result_top[0]["class"].get<std::string>().c_str(), result_top[0]["probability"].get<double>(),
                result.linf, result.l2, success ? "" : "  (not reached)");
    return 0;
  });
}
