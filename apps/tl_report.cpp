// tl-report: (re)build a run's report.html from its run directory.
#include <iostream>

#include <CLI/CLI.hpp>

#include "app_main.hpp"
#include "tl/report/run_report.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Write <run>/report.html: one self-contained page with the run's curves, evaluations and photos."};
  tl::app::show_defaults_in_help(app);
  std::string run;
  app.add_option("--run", run, "run directory written by tl-train")->required()->check(CLI::ExistingDirectory);
  tl::app::add_version_flag(app, "tl-report", [] { return std::string("LibTorch: not used by tl-report"); });
  if (const auto exit_code = tl::app::parse_command_line(app, argc, argv)) return *exit_code;
  return tl::app::guarded("tl-report", tl::app::describe_unexpected_error, [&] {
    std::cout << "report written to " << tl::write_run_report(run).string() << "\n";
    return 0;
  });
}
