// tl-eval: measure a trained run on a held-out split, or on another dataset mapped by class name.
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "app_main.hpp"
#include "distributed.hpp"
#include "tl/base/atomic_file.hpp"
#include "tl/base/error.hpp"
#include "tl/base/logging.hpp"
#include "tl/eval/evaluation.hpp"
#include "tl/features/cpu_runtime.hpp"
#include "tl/features/library_error.hpp"
#include "tl/features/runtime_versions.hpp"
#include "tl/report/run_report.hpp"
#include "tl/run/evaluated_images.hpp"
#include "tl/run/run_directory.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Evaluate a trained run: accuracy, per-class metrics and the confusion matrix."};
  tl::app::show_defaults_in_help(app);
  std::string run, split = "test", device = "auto", out;
  tl::Layout layout = tl::Layout::image_folder;
  tl::OxfordTarget target = tl::OxfordTarget::breed;
  std::optional<std::string> checkpoint, data_root, predictions;
  int threads = 0;
  tl::app::Verbosity verbosity;
  app.add_option("--run", run, "run directory written by tl-train")->required()->check(CLI::ExistingDirectory);
  app.add_option("--split", split, "which split to evaluate")->check(CLI::IsMember({"train", "val", "test"}));
  app.add_option("--checkpoint", checkpoint, "checkpoint to use instead of <run>/best.pt")->check(CLI::ExistingFile);
  auto* root_option = app.add_option("--data-root", data_root, "evaluate another dataset instead of the run's own");
  tl::app::add_enum_option(app, "--layout", layout, "layout of --data-root", tl::kLayouts)->needs(root_option);
  root_option->needs(app.get_option("--layout"));
  tl::app::add_enum_option(app, "--target", target, "oxford_pets target of --data-root", tl::kOxfordTargets);
  tl::app::add_device_option(app, device);
  tl::app::add_threads_option(app, threads);
  app.add_option("-o,--out", out,
                 "write the report as JSON to this file, - for standard output (default <run>/eval_<split>.json, "
                 "or <run>/eval_<split>_on_<data-root folder>.json for another dataset)");
  app.add_option("--predictions", predictions,
                 "write every image's prediction as CSV to this file, - for standard output (default beside the "
                 "JSON report: predictions_<split>.csv, or <run>/predictions_<split>.csv with -o -)");
  tl::app::add_verbosity_flags(app, verbosity);
  int nproc = 1;
  tl::app::add_nproc_option(app, nproc);
  tl::app::add_version_flag(app, "tl-eval", tl::runtime_versions);
  if (const auto exit_code = tl::app::parse_command_line(app, argc, argv)) return *exit_code;

  return tl::app::guarded("tl-eval", tl::describe_library_error, [&] {
    const auto to_stdout = [](const std::string& given) { return given == "-" || given == "/dev/stdout"; };
    const bool json_on_stdout = to_stdout(out);
    const bool csv_on_stdout = predictions && to_stdout(*predictions);
    if (json_on_stdout && csv_on_stdout) {
      throw tl::Error("-o - and --predictions -: only one of the report and the predictions can go to standard output");
    }
    if (const auto launched = tl::app::launch_ranks_if_asked(nproc, argc, argv)) return *launched;
    tl::configure_logging(verbosity.level());
    tl::ProcessGroup group(tl::world_from_environment());
    tl::app::log_quietly_unless_first_rank(group, verbosity.level());
    tl::configure_cpu_runtime(threads);
    tl::EvaluationRequest request;
    request.split = split;
    if (data_root) request.other_dataset = tl::LayoutOptions{layout, *data_root, target};
    tl::SkippedFiles skipped;
    const tl::EvaluationRecord record = tl::evaluate_run(run, checkpoint, device, request, skipped, &group);
    if (!group.writes()) return 0;
    const tl::RunDirectory run_directory(run);
    // The run's own split goes to the file the report shows; another dataset's to a file of its own.
    const std::filesystem::path own_report =
        data_root ? run_directory.evaluation_on(split, *data_root) : run_directory.evaluation(split);
    const std::filesystem::path out_path = !out.empty() ? std::filesystem::path(tl::app::output_path(out)) : own_report;
    tl::write_file_atomically(out_path, record.to_json().dump(2) + "\n");
    // With the JSON on standard output, the predictions go beside the run's own report file.
    const std::filesystem::path predictions_path =
        predictions ? std::filesystem::path(tl::app::output_path(*predictions))
                    : tl::RunDirectory::predictions_beside(json_on_stdout ? own_report : out_path);
    std::vector<std::string> class_names;
    for (const auto& statistics : record.report.classes) class_names.push_back(statistics.name);
    tl::write_file_atomically(predictions_path, tl::predictions_csv(record.predictions, class_names));
    // With the JSON or the CSV on standard output, the table goes to stderr so that it stays parseable.
    const bool table_on_stderr = json_on_stdout || csv_on_stdout;
    std::ostream& table = table_on_stderr ? std::cerr : std::cout;
    if (!verbosity.quiet || !table_on_stderr) {
      table << tl::format_report(record.report);
      if (!json_on_stdout) table << "\nreport written to " << out_path.string();
      if (!csv_on_stdout) table << "\npredictions written to " << predictions_path.string();
      table << "\n";
    }
    tl::refresh_run_report(run);
    return 0;
  });
}
