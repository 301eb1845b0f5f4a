#include "tl/train/training_state.hpp"

#include <algorithm>
#include <cmath>

#include "tl/base/error.hpp"
#include "tl/config/enum_names.hpp"

namespace tl {
namespace {

constexpr int kStateFormat = 1;

}  // namespace

const char* name_of(Stage stage) {
  switch (stage) {
    case Stage::head: return "head";
    case Stage::fine_tune: return "fine_tune";
  }
  return "?";
}

bool improves(const EpochResult& candidate, const EpochResult& best, bool has_validation, EpochSelection rule) {
  if (!has_validation || rule == EpochSelection::val_loss) return candidate.loss < best.loss;
  const double images_apart =
      std::abs(candidate.accuracy - best.accuracy) * static_cast<double>(std::max(candidate.samples, best.samples));
  if (images_apart <= 1.0 + 1e-9) return candidate.loss < best.loss;
  return candidate.accuracy > best.accuracy;
}

TrainingState::TrainingState(EarlyStoppingSettings early_stopping, bool has_validation, EpochSelection selection)
    : has_validation_(has_validation),
      selection_(selection),
      early_stopping_(early_stopping),
      early_stopping_settings_(early_stopping) {}

void TrainingState::begin_stage(Stage stage) {
  stopped_early_ = stopped_early();
  stage_ = stage;
  stage_start_ = epoch_;
  early_stopping_ = EarlyStopping(early_stopping_settings_);
}

bool TrainingState::finish_epoch(const EpochResult& trained, const EpochResult& validated,
                                 const nlohmann::json& metrics) {
  ++epoch_;
  const EpochResult& selection = has_validation_ ? validated : trained;
  const bool best = !best_ || improves(selection, *best_, has_validation_, selection_);
  if (best) {
    best_ = selection;
    best_metrics_ = metrics;
  }
  early_stopping_.observe(selection.loss);
  last_metrics_ = metrics;
  return best;
}

nlohmann::json TrainingState::to_json() const {
  nlohmann::json json = {{"format", kStateFormat},          {"epoch", epoch_},
                         {"stage", name_of(stage_)},        {"stage_start", stage_start_},
                         {"stopped_early", stopped_early_}, {"early_stopping", early_stopping_.counters()},
                         {"best_metrics", best_metrics_},   {"last_metrics", last_metrics_}};
  if (best_) json["best"] = {{"loss", best_->loss}, {"accuracy", best_->accuracy}, {"samples", best_->samples}};
  if (!head_fit_.is_null()) json["head_fit"] = head_fit_;
  return json;
}

TrainingState TrainingState::from_json(const nlohmann::json& json, EarlyStoppingSettings early_stopping,
                                       bool has_validation, EpochSelection selection, const std::string& source) {
  TrainingState state(early_stopping, has_validation, selection);
  try {
    if (json.at("format").get<int>() != kStateFormat) {
      throw Error(source + ": training state format " + json.at("format").dump() + ", this tl reads format " +
                  std::to_string(kStateFormat));
    }
    state.epoch_ = json.at("epoch").get<int>();
    const std::string stage = json.at("stage").get<std::string>();
    const std::optional<Stage> known = value_named(kStages, stage);
    if (!known) throw Error(source + ": unknown training stage \"" + stage + "\"");
    state.stage_ = *known;
    state.stage_start_ = json.at("stage_start").get<int>();
    state.stopped_early_ = json.at("stopped_early").get<bool>();
    state.early_stopping_.restore_counters(json.at("early_stopping"), source);
    state.best_metrics_ = json.at("best_metrics");
    state.last_metrics_ = json.at("last_metrics");
    if (json.contains("best")) {
      const auto& best = json["best"];
      state.best_ = EpochResult{best.at("loss").get<double>(), best.at("accuracy").get<double>(),
                                best.at("samples").get<int64_t>()};
    }
    state.head_fit_ = json.value("head_fit", nlohmann::json());
  } catch (const nlohmann::json::exception& error) {
    throw Error(source + ": training state is incomplete: " + error.what());
  }
  return state;
}

}  // namespace tl
