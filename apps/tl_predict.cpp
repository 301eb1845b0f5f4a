// tl-predict: top-k classes with probabilities for single images.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app_main.hpp"
#include "tl/base/logging.hpp"
#include "tl/base/utf8_text.hpp"
#include "tl/eval/prediction.hpp"
#include "tl/features/cpu_runtime.hpp"
#include "tl/features/library_error.hpp"
#include "tl/features/runtime_versions.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Classify images with a trained run: the top-k classes and their probabilities."};
  tl::app::show_defaults_in_help(app);
  std::string run, device = "auto";
  std::optional<std::string> checkpoint;
  std::vector<std::string> images;
  int top_k = 5, threads = 0;
  bool json_output = false;
  tl::app::Verbosity verbosity;
  app.add_option("--run", run, "run directory written by tl-train (default: the checkpoint's folder)");
  app.add_option("--checkpoint", checkpoint, "checkpoint to use instead of <run>/best.pt")->check(CLI::ExistingFile);
  app.add_option("images", images, "image files")->required();
  app.add_option("-k,--top-k", top_k, "how many classes to list per image")->check(CLI::PositiveNumber);
  tl::app::add_device_option(app, device);
  tl::app::add_threads_option(app, threads);
  app.add_flag("--json", json_output, "print JSON instead of text");
  tl::app::add_verbosity_flags(app, verbosity);
  tl::app::add_version_flag(app, "tl-predict", tl::runtime_versions);
  if (const auto exit_code = tl::app::parse_command_line(app, argc, argv)) return *exit_code;
  if (run.empty() && !checkpoint) {
    std::fprintf(stderr, "tl-predict: give --run DIR or --checkpoint FILE\n");
    return tl::app::kExitUsage;
  }
  if (run.empty()) run = std::filesystem::path(*checkpoint).parent_path().string();

  return tl::app::guarded("tl-predict", tl::describe_library_error, [&] {
    tl::configure_logging(verbosity.level());
    tl::configure_cpu_runtime(threads);
    tl::Predictor predictor(run, checkpoint, device);
    nlohmann::json results = nlohmann::json::array();
    int failures = 0;
    for (const auto& image : images) {
      const tl::ImagePrediction prediction = predictor.predict(image, top_k);
      if (!prediction.error.empty()) {
        ++failures;
        results.push_back({{"image", tl::utf8_text(image)}, {"error", tl::utf8_text(prediction.error)}});
        if (!json_output) std::cout << image << ": error: " << prediction.error << "\n";
        continue;
      }
      nlohmann::json predictions = nlohmann::json::array();
      if (!json_output) std::cout << image << "\n";
      for (const auto& score : prediction.top) {
        predictions.push_back({{"class", score.name}, {"index", score.index}, {"probability", score.probability}});
        if (!json_output) std::printf("  %-28s %6.2f%%\n", score.name.c_str(), 100 * score.probability);
      }
      results.push_back({{"image", tl::utf8_text(image)}, {"predictions", predictions}});
    }
    if (json_output) std::cout << results.dump(2) << "\n";
    return failures == 0 ? 0 : tl::app::kExitError;
  });
}
