#include "tl/eval/temperature_scaling.hpp"

#include <torch/torch.h>

#include "tl/eval/evaluation.hpp"
#include "tl/features/device.hpp"
#include "tl/model/checkpoint.hpp"
#include "tl/model/trained_classifier.hpp"
#include "tl/run/recorded_fields.hpp"
#include "tl/run/run_directory.hpp"

namespace tl {

std::optional<TemperatureFit> scale_temperature(const std::filesystem::path& run, const RunSummary& trained,
                                                const std::string& device, ProcessGroup* group) {
  const RunDirectory run_directory(run);
  if (trained.samples.val == 0) return std::nullopt;
  const bool before_refit = trained.head_fit.is_object() && trained.head_fit.contains("held_out_calibration");
  TemperatureFit fit;
  if (before_refit) {
    const RecordedFields head_fit(trained.head_fit, run_directory.summary().string() + " head_fit");
    fit = TemperatureFit::from_json(head_fit.object("held_out_calibration"));
  } else {
    TrainedClassifier classifier(run, std::nullopt, resolve_device(device));
    SkippedFiles skipped;
    const ScoredImages scored = score_images(classifier, {"val", std::nullopt}, skipped, group);
    if (scored.labels.empty()) return std::nullopt;
    fit = fit_temperature_measured(scored.logits, scored.labels, scored.classes);
  }
  if (group != nullptr && !group->writes()) return fit;

  // Dividing the last layer divides the logits: every tool that loads best.pt sees the scaled head.
  LoadedCheckpoint best = load_checkpoint(run_directory.best_checkpoint(), torch::kCPU);
  {
    torch::NoGradGuard no_grad;
    torch::nn::Linear last = best.head->linear_layers().back();
    last->weight.div_(fit.temperature);
    if (last->bias.defined()) last->bias.div_(fit.temperature);
  }
  best.record.temperature *= fit.temperature;
  save_checkpoint(run_directory.best_checkpoint(), best.head, nullptr, best.record, best.backbone_state);
  RunSummary summary = trained;
  summary.calibration = fit.to_json();
  summary.calibration["method"] = "temperature";
  summary.calibration["fitted_on"] =
      before_refit ? "validation split, by the logistic probe before its refit on train and val" : "validation split";
  summary.calibration["temperature"] = best.record.temperature;  // every fit's, as the checkpoint has it
  run_directory.write_json(run_directory.summary(), summary.to_json());
  return fit;
}

}  // namespace tl
