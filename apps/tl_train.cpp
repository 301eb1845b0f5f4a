// tl-train: train a classifier head on a frozen backbone from an experiment config.
#include <CLI/CLI.hpp>

#include "app_main.hpp"
#include "tl/experiment.hpp"
#include "tl/logging.hpp"
#include "tl/trainer.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Train a classifier head on a frozen pretrained backbone.\n"
               "Writes config, classes, metrics, checkpoints and a summary to the run directory."};
  std::string config;
  std::vector<std::string> overrides;
  bool verbose = false, overwrite = false;
  app.add_option("-c,--config", config, "experiment config (.yaml, .yml or .json)")->required()->check(CLI::ExistingFile);
  app.add_option("--set", overrides, "override a config value, e.g. --set train.epochs=5 (repeatable)");
  app.add_flag("--overwrite", overwrite, "replace a previous run in the run directory");
  app.add_flag("-v,--verbose", verbose, "debug logging");
  if (const auto exit_code = tl::app::parse_command_line(app, argc, argv)) return *exit_code;

  return tl::app::guarded("tl-train", [&] {
    tl::configure_logging(verbose);
    const tl::Experiment experiment = tl::load_experiment_file(config, overrides);
    tl::train(experiment, tl::TrainingOptions{overwrite});
    return 0;
  });
}
