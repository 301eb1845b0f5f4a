#pragma once
// The options tl-dream and tl-attack share for choosing the network to optimise through: a trained
// run, or a whole TorchScript classifier with its labels and metadata.
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "tl/synthesis/pixel_classifier.hpp"

namespace tl::app {

struct ClassifierSource {
  std::optional<std::string> run, checkpoint, model, labels, metadata;

  void add_options(CLI::App& app, const std::string& prefix = "", const std::string& role = "") {
    auto* run_option = app.add_option("--" + prefix + "run", run, "a run directory written by tl-train" + role);
    auto* model_option =
        app.add_option("--" + prefix + "model", model, "a whole classifier as TorchScript, logits [N, classes]" + role)
            ->check(CLI::ExistingFile);
    run_option->excludes(model_option);
    app.add_option("--" + prefix + "checkpoint", checkpoint, "with --" + prefix + "run: instead of best.pt")
        ->check(CLI::ExistingFile)
        ->needs(run_option);
    app.add_option("--" + prefix + "labels", labels,
                   "with --" + prefix +
                       "model: class names, one per line in output "
                       "order (default labels.txt beside it)")
        ->check(CLI::ExistingFile)
        ->needs(model_option);
    app.add_option("--" + prefix + "metadata", metadata,
                   "with --" + prefix +
                       "model: input size, mean, std, color, "
                       "label_offset (default <stem>.json or model.json beside it)")
        ->check(CLI::ExistingFile)
        ->needs(model_option);
  }

  bool given() const { return run.has_value() || model.has_value(); }

  PixelClassifier open(torch::Device device) const {
    if (run) return PixelClassifier::open_run(*run, checkpoint, device);
    return PixelClassifier::open_model(*model, labels, metadata, device);
  }
};

}  // namespace tl::app
