#pragma once
// The options tl-dream and tl-attack share for choosing the network to optimise through: a trained
// run, or a whole TorchScript classifier with its labels and metadata.
#include <string>

#include <CLI/CLI.hpp>

#include "tl/synthesis/classifier_source.hpp"

namespace tl::app {

inline void add_classifier_options(CLI::App& app, ClassifierSource& source, const std::string& prefix = "",
                                   const std::string& role = "") {
  auto* run_option = app.add_option("--" + prefix + "run", source.run, "a run directory written by tl-train" + role);
  auto* model_option =
      app.add_option("--" + prefix + "model", source.model, "a whole classifier as TorchScript, logits [N, classes]" + role)
          ->check(CLI::ExistingFile);
  run_option->excludes(model_option);
  app.add_option("--" + prefix + "checkpoint", source.checkpoint, "with --" + prefix + "run: instead of best.pt")
      ->check(CLI::ExistingFile)
      ->needs(run_option);
  app.add_option("--" + prefix + "labels", source.labels,
                 "with --" + prefix + "model: class names, one per line in output order (default labels.txt beside it)")
      ->check(CLI::ExistingFile)
      ->needs(model_option);
  app.add_option("--" + prefix + "metadata", source.metadata,
                 "with --" + prefix +
                     "model: input size, mean, std, color, label_offset (default <stem>.json or model.json beside it)")
      ->check(CLI::ExistingFile)
      ->needs(model_option);
}

}  // namespace tl::app
