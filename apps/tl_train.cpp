// tl-train: train a classifier head on a frozen backbone from an experiment config.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "app_main.hpp"
#include "distributed.hpp"
#include "tl/base/logging.hpp"
#include "tl/config/experiment.hpp"
#include "tl/features/library_error.hpp"
#include "tl/features/runtime_versions.hpp"
#include "tl/report/run_report.hpp"
#include "tl/run/run_directory.hpp"
#include "tl/train/trainer.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Train a classifier head on a frozen pretrained backbone.\n"
      "Writes config, classes, metrics, checkpoints and a summary to the run directory."};
  std::string config, resume;
  std::vector<std::string> overrides;
  bool verbose = false, overwrite = false;
  auto* config_option =
      app.add_option("-c,--config", config, "experiment config (.yaml, .yml or .json)")->check(CLI::ExistingFile);
  auto* resume_option =
      app.add_option("--resume", resume, "continue the interrupted run in this directory from last.pt")
          ->check(CLI::ExistingDirectory)
          ->excludes(config_option);
  app.add_option("--set", overrides, "override a config value, e.g. --set train.epochs=5 (repeatable)")
      ->excludes(resume_option);
  app.add_flag("--overwrite", overwrite, "replace a previous run in the run directory")->excludes(resume_option);
  app.add_flag("-v,--verbose", verbose, "debug logging");
  int nproc = 1;
  tl::app::add_nproc_option(app, nproc);
  tl::app::add_version_flag(app, "tl-train", tl::runtime_versions);
  if (const auto exit_code = tl::app::parse_command_line(app, argc, argv)) return *exit_code;
  if (config.empty() && resume.empty()) {
    std::fprintf(stderr, "tl-train: give --config FILE, or --resume RUN_DIR\n");
    return tl::app::kExitUsage;
  }

  return tl::app::guarded("tl-train", tl::describe_library_error, [&] {
    if (const auto launched = tl::app::launch_ranks_if_asked(nproc, argc, argv)) return *launched;
    tl::configure_logging(verbose);
    tl::ProcessGroup group(tl::world_from_environment());
    tl::app::log_quietly_unless_first_rank(group, verbose);
    tl::install_interrupt_handler();
    tl::Experiment experiment;
    tl::TrainingOptions options;
    options.group = &group;
    options.command_line = tl::app::command_line(argc, argv);
    if (!resume.empty()) {
      experiment = tl::RunDirectory(resume).load_experiment();
      // The folder given, wherever the run was first written (it may have been moved since).
      experiment.run_directory = std::filesystem::absolute(resume).lexically_normal();
      options.resume = true;
    } else {
      experiment = tl::load_experiment_file(config, overrides);
      options.overwrite = overwrite;
    }
    try {
      tl::train(experiment, options);
    } catch (const tl::Interrupted&) {
      // An interrupted run's page says what is missing.
      if (group.writes()) tl::refresh_run_report(experiment.run_directory);
      throw;
    }
    if (group.writes()) tl::refresh_run_report(experiment.run_directory);
    return 0;
  });
}
