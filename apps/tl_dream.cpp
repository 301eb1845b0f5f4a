// tl-dream: the image a network would most like to call the target class, by gradient descent on
// pixels with cross-entropy plus a total-variation term.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "app_main.hpp"
#include "classifier_source.hpp"
#include "tl/base/logging.hpp"
#include "tl/features/cpu_runtime.hpp"
#include "tl/features/library_error.hpp"
#include "tl/features/runtime_versions.hpp"
#include "tl/synthesis/dream_request.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Dream an image of a class: optimise pixels until the network calls them the target class.\n"
      "Writes the PNG, optional snapshots, and a JSON with the target probability and loss terms."};
  tl::app::show_defaults_in_help(app);
  tl::DreamRequest request;
  tl::DreamOptions& options = request.options;
  int threads = 0;
  tl::app::Verbosity verbosity;
  tl::app::add_classifier_options(app, request.classifier);
  app.add_option("-t,--target", request.target, "class name (or alias, e.g. \"Siamese cat\") or number")->required();
  app.add_option("-o,--out", request.out, "PNG to write")->required()->check(tl::app::kFileNameNotStdout);
  app.add_option("--from", request.start_image, "start from this image instead of noise")->check(CLI::ExistingFile);
  app.add_option("--steps", options.steps, "optimisation steps")->check(CLI::PositiveNumber);
  tl::app::add_enum_option(app, "--optimizer", options.optimizer, "adam or sgd (with momentum)", tl::kDreamOptimizers);
  app.add_option("--lr", options.lr, "learning rate on pixels in [0,1]")->check(CLI::PositiveNumber);
  app.add_option("--ce-weight", options.ce_weight, "weight of the cross-entropy toward the target")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--tv-weight", options.tv_weight, "weight of the total variation (0: none)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--size", request.size, "image size when starting from noise (default: the model's input size)")
      ->check(CLI::Range(16, 2048));
  app.add_option("--seed", options.seed, "seed of the starting noise");
  app.add_option("--log-every", options.log_every, "steps between JSON log lines")->check(CLI::PositiveNumber);
  app.add_option("--snapshot-every", request.snapshot_every, "also write <out stem>_step<N>.png every N steps")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--json", request.report, "log to write (default: <out stem>.json)");
  tl::app::add_device_option(app, request.device);
  tl::app::add_threads_option(app, threads);
  tl::app::add_verbosity_flags(app, verbosity);
  tl::app::add_version_flag(app, "tl-dream", tl::runtime_versions);
  if (const auto exit_code = tl::app::parse_command_line(app, argc, argv)) return *exit_code;
  if (!request.classifier.given()) {
    std::fprintf(stderr, "tl-dream: give --run DIR or --model FILE\n");
    return tl::app::kExitUsage;
  }

  return tl::app::guarded("tl-dream", tl::describe_library_error, [&] {
    tl::configure_logging(verbosity.level());
    tl::configure_cpu_runtime(threads);
    const tl::DreamOutcome outcome = tl::dream_to_files(request);
    std::printf("%s: p(%s) = %.4f, total variation %.1f (%s)\n", outcome.image.c_str(), outcome.target.c_str(),
                outcome.target_probability, outcome.total_variation, outcome.report.c_str());
    return 0;
  });
}
