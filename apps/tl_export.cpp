// tl-export: a trained run as one TorchScript module (backbone + head) plus a JSON describing its
// input and classes, loadable with torch.jit.load anywhere LibTorch or PyTorch runs.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "app_main.hpp"
#include "tl/base/logging.hpp"
#include "tl/features/cpu_runtime.hpp"
#include "tl/features/library_error.hpp"
#include "tl/features/runtime_versions.hpp"
#include "tl/model/classifier_export.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Export a trained run as one TorchScript module: backbone + head, with its metadata JSON beside it."};
  tl::app::show_defaults_in_help(app);
  std::string run, out;
  tl::ExportOptions options;
  tl::app::Verbosity verbosity;
  int threads = 0;
  app.add_option("--run", run, "run directory written by tl-train")->required()->check(CLI::ExistingDirectory);
  app.add_option("-o,--out", out, "module file to write, e.g. cats_vs_dogs.pt (the JSON goes beside it)")
      ->required()
      ->check(tl::app::kFileNameNotStdout);
  app.add_option("--checkpoint", options.checkpoint, "checkpoint to export instead of <run>/best.pt")
      ->check(CLI::ExistingFile);
  app.add_flag("--softmax", options.softmax, "output class probabilities instead of logits");
  tl::app::add_threads_option(app, threads);
  tl::app::add_verbosity_flags(app, verbosity);
  tl::app::add_version_flag(app, "tl-export", tl::runtime_versions);
  if (const auto exit_code = tl::app::parse_command_line(app, argc, argv)) return *exit_code;

  return tl::app::guarded("tl-export", tl::describe_library_error, [&] {
    tl::configure_logging(verbosity.level());
    tl::configure_cpu_runtime(threads);
    const tl::ExportedFiles files = tl::export_classifier(run, out, options);
    std::printf("wrote %s (%zu classes, %s) and %s\n", files.module.c_str(), files.description["classes"].size(),
                options.softmax ? "probabilities" : "logits", files.metadata.c_str());
    return 0;
  });
}
