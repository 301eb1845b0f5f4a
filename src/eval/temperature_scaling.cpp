#include "tl/eval/temperature_scaling.hpp"

#include <torch/torch.h>

#include "tl/eval/evaluation.hpp"
#include "tl/features/device.hpp"
#include "tl/model/checkpoint.hpp"
#include "tl/model/trained_classifier.hpp"
#include "tl/run/run_directory.hpp"
#include "tl/run/temperature_fit.hpp"

namespace tl {

nlohmann::json TemperatureScaling::to_json() const {
  return {{"method", "temperature"},
          {"temperature", temperature},
          {"fitted_on", before_refit ? "validation split, by the logistic probe before its refit on train and val"
                                     : "validation split"},
          {"val",
           {{"samples", samples},
            {"log_loss_before", before.log_loss},
            {"log_loss_after", after.log_loss},
            {"ece_before", before.expected_calibration_error},
            {"ece_after", after.expected_calibration_error}}}};
}

std::optional<TemperatureScaling> scale_temperature(const std::filesystem::path& run, const RunSummary& trained,
                                                    const std::string& device, ProcessGroup* group) {
  const RunDirectory run_directory(run);
  if (trained.samples.val == 0) return std::nullopt;
  TemperatureScaling scaling;
  const nlohmann::json held_out =
      trained.head_fit.is_object() ? trained.head_fit.value("held_out_calibration", nlohmann::json()) : nullptr;
  if (held_out.is_object()) {
    scaling.before_refit = true;
    scaling.temperature = held_out.at("temperature").get<double>();
    scaling.samples = held_out.at("samples").get<int>();
    scaling.before.log_loss = held_out.at("log_loss_before").get<double>();
    scaling.after.log_loss = held_out.at("log_loss_after").get<double>();
    scaling.before.expected_calibration_error = held_out.at("ece_before").get<double>();
    scaling.after.expected_calibration_error = held_out.at("ece_after").get<double>();
  } else {
    TrainedClassifier classifier(run, std::nullopt, resolve_device(device));
    SkippedFiles skipped;
    const ScoredImages scored = score_images(classifier, {"val", std::nullopt}, skipped, group);
    if (scored.labels.empty()) return std::nullopt;
    scaling.samples = static_cast<int>(scored.labels.size());
    scaling.temperature = fit_temperature(scored.logits, scored.labels, scored.classes);
    scaling.before = measure_calibration(scored.logits, scored.labels, scored.classes);
    scaling.after = measure_calibration(tempered(scored.logits, scaling.temperature), scored.labels, scored.classes);
  }
  if (group != nullptr && !group->writes()) return scaling;

  // Dividing the last layer divides the logits: every tool that loads best.pt sees the scaled head.
  LoadedCheckpoint best = load_checkpoint(run_directory.best_checkpoint(), torch::kCPU);
  {
    torch::NoGradGuard no_grad;
    torch::nn::Linear last = best.head->linear_layers().back();
    last->weight.div_(scaling.temperature);
    if (last->bias.defined()) last->bias.div_(scaling.temperature);
  }
  best.record.temperature *= scaling.temperature;
  save_checkpoint(run_directory.best_checkpoint(), best.head, nullptr, best.record, best.backbone_state);
  RunSummary summary = trained;
  summary.calibration = scaling.to_json();
  summary.calibration["temperature"] = best.record.temperature;
  run_directory.write_json(run_directory.summary(), summary.to_json());
  return scaling;
}

}  // namespace tl
