#pragma once
// Temperature scaling of a trained run, when training ends (eval.calibration: temperature): the
// temperature that minimises the validation split's log loss (tl/run/temperature_fit.hpp) divides
// the last layer of best.pt's head, so that tl-eval, tl-predict, the report and the module tl-export
// writes all give calibrated probabilities with the same most probable class.
#include <filesystem>
#include <optional>
#include <string>

#include "tl/dist/process_group.hpp"
#include "tl/run/run_summary.hpp"
#include "tl/run/temperature_fit.hpp"

namespace tl {

// Scores the validation split of the run that training has just finished (`trained`: its summary,
// as every rank has it) with best.pt as tl-eval does (each rank its share with a group), fits the
// temperature, folds it into best.pt and records it in summary.json (the writing rank only). A
// logistic head refit on train and val no longer holds the validation images out: its temperature
// is the one its probe fitted on them before the refit (head_fit.held_out_calibration). Nothing when
// the run has no validation images. device: auto | cpu | cuda[:N].
std::optional<TemperatureFit> scale_temperature(const std::filesystem::path& run, const RunSummary& trained,
                                                const std::string& device, ProcessGroup* group = nullptr);

}  // namespace tl
