// tl-export: a trained run as one TorchScript module (backbone + head) plus a JSON describing its
// input and classes, loadable with torch.jit.load anywhere LibTorch or PyTorch runs; or as an ONNX
// graph for other runtimes, checked in OpenCV's DNN before it is written.
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "app_main.hpp"
#include "tl/base/logging.hpp"
#include "tl/features/cpu_runtime.hpp"
#include "tl/features/library_error.hpp"
#include "tl/features/runtime_versions.hpp"
#include "tl/model/classifier_export.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Export a trained run as one TorchScript module or ONNX graph: backbone + head, with its metadata JSON beside "
      "it."};
  tl::app::show_defaults_in_help(app);
  std::string run, out;
  tl::ExportOptions options;
  tl::app::Verbosity verbosity;
  int threads = 0;
  app.add_option("--run", run, "run directory written by tl-train")->required()->check(CLI::ExistingDirectory);
  std::string format;
  app.add_option("-o,--out", out,
                 "module file to write, e.g. cats_vs_dogs.pt or cats_vs_dogs.onnx (the JSON goes beside it)")
      ->required()
      ->check(tl::app::kFileNameNotStdout);
  app.add_option("--checkpoint", options.checkpoint, "checkpoint to export instead of <run>/best.pt")
      ->check(CLI::ExistingFile);
  app.add_flag("--softmax", options.softmax, "output class probabilities instead of logits");
  app.add_option("--format", format,
                 "torchscript, or onnx (via python3-torch's exporter, checked in OpenCV's DNN); default: onnx for a "
                 ".onnx file, else torchscript")
      ->check(CLI::IsMember({"torchscript", "onnx"}));
  app.add_option("--python", options.python, "onnx: the Python with python3-torch, python3-onnx and python3-opencv")
      ->capture_default_str();
  tl::app::add_threads_option(app, threads);
  tl::app::add_verbosity_flags(app, verbosity);
  tl::app::add_version_flag(app, "tl-export", tl::runtime_versions);
  if (const auto exit_code = tl::app::parse_command_line(app, argc, argv)) return *exit_code;

  return tl::app::guarded("tl-export", tl::describe_library_error, [&] {
    tl::configure_logging(verbosity.level());
    tl::configure_cpu_runtime(threads);
    if (format.empty()) format = std::filesystem::path(out).extension() == ".onnx" ? "onnx" : "torchscript";
    options.format = format == "onnx" ? tl::ExportFormat::onnx : tl::ExportFormat::torchscript;
    const tl::ExportedFiles files = tl::export_classifier(run, out, options);
    std::printf("wrote %s (%zu classes, %s) and %s\n", files.module.c_str(), files.description["classes"].size(),
                options.softmax ? "probabilities" : "logits", files.metadata.c_str());
    if (files.description.contains("onnx")) {
      const auto& onnx = files.description["onnx"];
      std::printf("ONNX opset %d, checked in %s: largest difference from the TorchScript module %.3g\n",
                  onnx["opset"].get<int>(), onnx["checked_in"].get<std::string>().c_str(),
                  onnx["max_difference"].get<double>());
    }
    if (files.description.contains("tta_note")) {
      std::printf("note: %s\n", files.description["tta_note"].get<std::string>().c_str());
    }
    return 0;
  });
}
