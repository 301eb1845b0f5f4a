// tl-train: train a classifier head on a frozen backbone from an experiment config.
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "app_main.hpp"
#include "distributed.hpp"
#include "tl/base/logging.hpp"
#include "tl/config/config_source.hpp"
#include "tl/config/experiment.hpp"
#include "tl/eval/temperature_scaling.hpp"
#include "tl/features/library_error.hpp"
#include "tl/features/runtime_versions.hpp"
#include "tl/report/run_report.hpp"
#include "tl/run/run_directory.hpp"
#include "tl/train/trainer.hpp"

namespace {

// How to name the run in a command to type next: relative to the working directory when inside it.
std::string path_to_type(const std::filesystem::path& path) {
  std::error_code error;
  const std::filesystem::path relative = std::filesystem::relative(path, std::filesystem::current_path(), error);
  const bool inside = !error && !relative.empty() && *relative.begin() != "..";
  return tl::app::shell_quoted(inside ? relative.string() : path.string());
}

// The end of a run on one screen: the best epoch and its figures, where the run is, what to do next.
void log_outcome(const tl::RunSummary& summary) {
  const tl::EpochMetrics& best = summary.best;
  std::string figures;
  if (best.val_accuracy && best.val_loss) {
    figures = fmt::format("val acc {:.3f}, val loss {:.4f} (train acc {:.3f})", *best.val_accuracy, *best.val_loss,
                          best.train_accuracy);
  } else {
    figures = fmt::format("train loss {:.4f}, train acc {:.3f} (chosen by training loss)", best.train_loss,
                          best.train_accuracy);
  }
  const std::string run = path_to_type(summary.run_directory);
  spdlog::info("best epoch {} of {}: {}", best.epoch, summary.epochs, figures);
  spdlog::info("run in {}: best.pt, metrics.jsonl, summary.json, report.html", run);
  if (summary.samples.test > 0) {
    spdlog::info("next: tl-eval --run {} --split test", run);
  } else {
    spdlog::info("next: tl-predict --run {} IMAGE...", run);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Train a classifier head on a frozen pretrained backbone.\n"
      "Writes config, classes, metrics, checkpoints and a summary to the run directory."};
  tl::app::show_defaults_in_help(app);
  std::string config, resume, device, out_dir;
  int threads = -1;
  std::vector<std::string> overrides;
  bool overwrite = false;
  tl::app::Verbosity verbosity;
  auto* config_option =
      app.add_option("-c,--config", config, "experiment config (.yaml, .yml or .json)")->check(CLI::ExistingFile);
  auto* resume_option =
      app.add_option("--resume", resume, "continue the interrupted run in this directory from last.pt")
          ->check(CLI::ExistingDirectory)
          ->excludes(config_option);
  app.add_option("--set", overrides, "override a config value, e.g. --set train.epochs=5 (repeatable)")
      ->default_str("")
      ->excludes(resume_option);
  app.add_flag("--overwrite", overwrite, "replace a previous run in the run directory")->excludes(resume_option);
  app.add_option("-o,--out-dir", out_dir, "run directory (output.dir; default runs/<name>)")->excludes(resume_option);
  app.add_option("--device", device, "auto, cpu, cuda or cuda:N (device; default: the config's, else auto)");
  app.add_option("--threads", threads,
                 "CPU threads for LibTorch (threads; default: the config's, else 0: OMP_NUM_THREADS if set, "
                 "else every CPU this process may use)")
      ->check(CLI::Range(0, 1024))
      ->default_str("");
  tl::app::add_verbosity_flags(app, verbosity);
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
    tl::configure_logging(verbosity.level());
    tl::ProcessGroup group(tl::world_from_environment());
    tl::app::log_quietly_unless_first_rank(group, verbosity.level());
    tl::install_interrupt_handler();
    tl::Experiment experiment;
    tl::TrainingOptions options;
    options.group = &group;
    options.command_line = tl::app::command_line(argc, argv);
    if (!resume.empty()) {
      experiment = tl::RunDirectory(resume).load_experiment();
      // The folder given, wherever the run was first written (it may have been moved since).
      experiment.run_directory = std::filesystem::absolute(resume).lexically_normal();
      // Where and how fast a resumed run goes may change; what it computes may not.
      if (!device.empty()) experiment.device = device;
      if (threads >= 0) experiment.threads = threads;
      options.resume = true;
    } else {
      tl::ConfigSource source = tl::ConfigSource::from_file(config);
      for (const auto& assignment : overrides) source.apply_override(assignment);
      // The shortcuts are config values like any other, checked and recorded in config.json.
      const auto cwd = std::filesystem::current_path();
      if (!device.empty()) source.set("device", device, "--device " + device, cwd);
      if (threads >= 0) source.set("threads", threads, "--threads " + std::to_string(threads), cwd);
      if (!out_dir.empty()) source.set("output.dir", out_dir, "--out-dir " + out_dir, cwd);
      experiment = tl::load_experiment(source);
      options.overwrite = overwrite;
    }
    tl::RunSummary summary;
    try {
      summary = tl::train(experiment, options);
    } catch (const tl::Interrupted&) {
      // An interrupted run's page says what is missing.
      if (group.writes()) tl::refresh_run_report(experiment.run_directory);
      throw;
    }
    if (experiment.eval.calibration == tl::ProbabilityCalibration::temperature) {
      const auto fit = tl::scale_temperature(experiment.run_directory, summary, experiment.device, &group);
      if (fit && group.writes()) {
        spdlog::info(
            "probabilities calibrated on {} held-out images: temperature {:.3f}, log loss {:.4f} -> {:.4f}, "
            "calibration error {:.2f}% -> {:.2f}%",
            fit->samples, fit->temperature, fit->before.log_loss, fit->after.log_loss,
            100 * fit->before.expected_calibration_error, 100 * fit->after.expected_calibration_error);
      }
    }
    if (group.writes()) {
      tl::refresh_run_report(experiment.run_directory);
      log_outcome(summary);
    }
    return 0;
  });
}
