// tl-sweep: run every variant of a sweep file, write the results table, and fail on missed gates.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app_main.hpp"
#include "tl/sweep/sweep.hpp"
#include "tl/sweep/sweep_runner.hpp"

namespace {

// Distinct codes so a CI script can tell quality from breakage (README, "Exit codes").
constexpr int kExitGateMissed = 3;
constexpr int kExitVariantFailed = 4;

std::filesystem::path sibling_program(const std::string& name) {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path() / name;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Run a sweep: many experiments from one base config, a results table, pass/fail gates.\n"
      "Exit codes: 0 all variants ran and passed every gate, 1 error before running, 2 usage,\n"
      "3 a gate was missed, 4 a variant failed (takes precedence over 3), 130 interrupted (Ctrl-C), 143 stopped by "
      "SIGTERM."};
  tl::app::show_defaults_in_help(app);
  std::string file;
  std::vector<std::string> gate_texts;
  tl::SweepOptions options;
  bool list_only = false;
  bool quiet = false;
  std::optional<std::string> directory;
  app.add_option("sweep", file, "sweep file (.yaml, .yml or .json)")->required()->check(CLI::ExistingFile);
  app.add_option("--fail-under", gate_texts, "gate every variant: METRIC=VALUE, e.g. top1=0.95 (repeatable)");
  app.add_flag("--resume", options.resume, "skip variants an interrupted run of this sweep finished");
  app.add_flag("--overwrite", options.overwrite, "start again over an earlier run of this sweep");
  app.add_option("-o,--out-dir,--dir", directory,
                 "sweep directory, instead of the file's dir (default: runs/<name> in the working directory)");
  app.add_flag("--list", list_only, "validate the sweep and list its variants without running them");
  app.add_option("--nproc", options.ranks, "run each variant's tl-train and tl-eval as this many ranks")
      ->check(CLI::Range(1, 256));
  app.add_flag("-q,--quiet", quiet, "no progress lines: the results table, missed gates and errors only");
  tl::app::add_version_flag(
      app, "tl-sweep", [] { return std::string("LibTorch: not used by tl-sweep (it runs tl-train and tl-eval)"); });
  if (const auto exit_code = tl::app::parse_command_line(app, argc, argv)) return *exit_code;

  return tl::app::guarded("tl-sweep", tl::app::describe_unexpected_error, [&] {
    const tl::Sweep sweep = tl::load_sweep(file, directory);
    tl::install_interrupt_handler();  // Ctrl-C: the running variant stops after its epoch, then the sweep
    for (const auto& text : gate_texts) options.extra_gates.push_back(tl::parse_gate(text, "--fail-under"));
    if (list_only) {
      for (const auto& variant : sweep.variants) {
        std::cout << variant.name;
        for (const auto& [key, value] : variant.values) std::cout << "  " << key << "=" << value.dump();
        std::cout << "\n";
      }
      return 0;
    }
    options.train_program = sibling_program("tl-train");
    options.eval_program = sibling_program("tl-eval");
    const bool progress = !quiet;
    if (progress) {
      std::fprintf(stderr, "sweep %s: %zu variants in %s\n", sweep.name.c_str(), sweep.variants.size(),
                   sweep.directory.c_str());
    }
    const tl::SweepOutcome outcome = tl::run_sweep(sweep, options, [progress](const std::string& line) {
      if (progress) std::fprintf(stderr, "%s\n", line.c_str());
    });
    std::cout << tl::results_markdown(sweep, outcome.results);
    std::fprintf(stderr, "results: %s/results.{csv,json,md}\n", sweep.directory.c_str());
    for (const auto& line : outcome.missed_gates) std::fprintf(stderr, "%s\n", line.c_str());
    if (outcome.failed_variants > 0) {
      std::fprintf(stderr, "%d of %zu variants failed\n", outcome.failed_variants, outcome.results.size());
      return kExitVariantFailed;
    }
    return outcome.missed_gates.empty() ? 0 : kExitGateMissed;
  });
}
