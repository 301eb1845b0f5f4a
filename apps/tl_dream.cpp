// tl-dream: the image a network would most like to call the target class, by gradient descent on
// pixels with cross-entropy plus a total-variation term.
#include <cstdio>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app_main.hpp"
#include "classifier_source.hpp"
#include "tl/base/atomic_file.hpp"
#include "tl/base/logging.hpp"
#include "tl/base/progress.hpp"
#include "tl/base/utf8_text.hpp"
#include "tl/features/cpu_runtime.hpp"
#include "tl/features/device.hpp"
#include "tl/features/library_error.hpp"
#include "tl/features/runtime_versions.hpp"
#include "tl/synthesis/dream.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Dream an image of a class: optimise pixels until the network calls them the target class.\n"
      "Writes the PNG, optional snapshots, and a JSON with the target probability and loss terms."};
  tl::app::show_defaults_in_help(app);
  tl::app::ClassifierSource source;
  std::string target, out, device = "auto";
  std::optional<std::string> start_image, json_path;
  tl::DreamOptions options;
  int size = 0, snapshot_every = 0, threads = 0;
  tl::app::Verbosity verbosity;
  source.add_options(app);
  app.add_option("-t,--target", target, "class name (or alias, e.g. \"Siamese cat\") or number")->required();
  app.add_option("-o,--out", out, "PNG to write")->required()->check(tl::app::kFileNameNotStdout);
  app.add_option("--from", start_image, "start from this image instead of noise")->check(CLI::ExistingFile);
  app.add_option("--steps", options.steps, "optimisation steps")->check(CLI::PositiveNumber);
  tl::app::add_enum_option(app, "--optimizer", options.optimizer, "adam or sgd (with momentum)", tl::kDreamOptimizers);
  app.add_option("--lr", options.lr, "learning rate on pixels in [0,1]")->check(CLI::PositiveNumber);
  app.add_option("--ce-weight", options.ce_weight, "weight of the cross-entropy toward the target")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--tv-weight", options.tv_weight, "weight of the total variation (0: none)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--size", size, "image size when starting from noise (default: the model's input size)")
      ->check(CLI::Range(16, 2048));
  app.add_option("--seed", options.seed, "seed of the starting noise");
  app.add_option("--log-every", options.log_every, "steps between JSON log lines")->check(CLI::PositiveNumber);
  app.add_option("--snapshot-every", snapshot_every, "also write <out stem>_step<N>.png every N steps")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--json", json_path, "log to write (default: <out stem>.json)");
  tl::app::add_device_option(app, device);
  tl::app::add_threads_option(app, threads);
  tl::app::add_verbosity_flags(app, verbosity);
  tl::app::add_version_flag(app, "tl-dream", tl::runtime_versions);
  if (const auto exit_code = tl::app::parse_command_line(app, argc, argv)) return *exit_code;
  if (!source.given()) {
    std::fprintf(stderr, "tl-dream: give --run DIR or --model FILE\n");
    return tl::app::kExitUsage;
  }

  return tl::app::guarded("tl-dream", tl::describe_library_error, [&] {
    tl::configure_logging(verbosity.level());
    tl::configure_cpu_runtime(threads);
    tl::PixelClassifier classifier = source.open(tl::resolve_device(device));
    options.target = classifier.resolve_class(target);
    options.height = size > 0 ? size : classifier.preprocessing().height;
    options.width = size > 0 ? size : classifier.preprocessing().width;
    if (start_image) options.start = classifier.load_pixels(*start_image);
    const std::filesystem::path out_path(out);
    const auto snapshot_path = [&](int step) {
      char suffix[32];
      std::snprintf(suffix, sizeof suffix, "_step%05d.png", step);
      return out_path.parent_path() / (out_path.stem().string() + suffix);
    };

    tl::Progress progress("dream " + classifier.class_names()[options.target], options.steps, "steps");
    const tl::DreamResult result = tl::dream(classifier, options, [&](int step, const torch::Tensor& pixels) {
      if (snapshot_every > 0 && step % snapshot_every == 0) tl::write_png(snapshot_path(step), pixels);
      progress.advance(1);
    });
    progress.finish();
    tl::write_png(out_path, result.pixels);

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
        {"target", {{"name", classifier.class_names()[options.target]}, {"index", options.target}}},
        {"image", tl::path_text(out_path)},
        {"start", tl::utf8_text(start_image.value_or("noise"))},
        {"size", {options.height, options.width}},
        {"steps", options.steps},
        {"optimizer", tl::name_of(options.optimizer)},
        {"lr", options.lr},
        {"ce_weight", options.ce_weight},
        {"tv_weight", options.tv_weight},
        {"seed", options.seed},
        {"target_probability", result.target_probability},
        {"total_variation", result.total_variation},
        {"log", log}};
    const std::filesystem::path report_path =
        json_path ? std::filesystem::path(*json_path) : std::filesystem::path(out_path).replace_extension(".json");
    tl::write_file_atomically(report_path, report.dump(2) + "\n");
    std::printf("%s: p(%s) = %.4f, total variation %.1f (%s)\n", out_path.c_str(),
                classifier.class_names()[options.target].c_str(), result.target_probability, result.total_variation,
                report_path.c_str());
    return 0;
  });
}
