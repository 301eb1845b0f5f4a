// The config spelling of every choice. Switches without a default: -Wswitch names a new enumerator
// that has no spelling yet.
#include "tl/config/data_options.hpp"
#include "tl/config/eval_options.hpp"
#include "tl/config/model_options.hpp"
#include "tl/config/train_options.hpp"

namespace tl {

const char* name_of(Layout layout) {
  switch (layout) {
    case Layout::petimages: return "petimages";
    case Layout::oxford_pets: return "oxford_pets";
    case Layout::image_folder: return "image_folder";
    case Layout::list: return "list";
    case Layout::shards: return "shards";
  }
  return "?";
}

const char* name_of(OxfordTarget target) {
  switch (target) {
    case OxfordTarget::breed: return "breed";
    case OxfordTarget::species: return "species";
  }
  return "?";
}

const char* name_of(HeadType type) {
  switch (type) {
    case HeadType::linear: return "linear";
    case HeadType::mlp: return "mlp";
    case HeadType::logistic: return "logistic";
  }
  return "?";
}

const char* name_of(Precision precision) {
  switch (precision) {
    case Precision::automatic: return "auto";
    case Precision::float32: return "float32";
    case Precision::bfloat16: return "bfloat16";
  }
  return "?";
}

const char* name_of(TestTimeAugmentation tta) {
  switch (tta) {
    case TestTimeAugmentation::none: return "none";
    case TestTimeAugmentation::flip: return "flip";
  }
  return "?";
}

const char* name_of(ProbabilityCalibration calibration) {
  switch (calibration) {
    case ProbabilityCalibration::none: return "none";
    case ProbabilityCalibration::temperature: return "temperature";
  }
  return "?";
}

const char* name_of(EpochSelection selection) {
  switch (selection) {
    case EpochSelection::val_loss: return "val_loss";
    case EpochSelection::val_accuracy: return "val_accuracy";
  }
  return "?";
}

const char* name_of(SelectionMetric metric) {
  switch (metric) {
    case SelectionMetric::accuracy: return "accuracy";
    case SelectionMetric::mean_per_class_accuracy: return "mean_per_class_accuracy";
    case SelectionMetric::log_loss: return "log_loss";
  }
  return "?";
}

const char* name_of(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::sgd: return "sgd";
    case OptimizerKind::adam: return "adam";
    case OptimizerKind::adamw: return "adamw";
  }
  return "?";
}

const char* name_of(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::constant: return "constant";
    case ScheduleKind::step: return "step";
    case ScheduleKind::cosine: return "cosine";
  }
  return "?";
}

const char* name_of(BatchNormPolicy policy) {
  switch (policy) {
    case BatchNormPolicy::frozen: return "frozen";
    case BatchNormPolicy::train: return "train";
  }
  return "?";
}

const char* name_of(ClassWeighting weighting) {
  switch (weighting) {
    case ClassWeighting::none: return "none";
    case ClassWeighting::balanced: return "balanced";
  }
  return "?";
}

const char* name_of(Sampling sampling) {
  switch (sampling) {
    case Sampling::shuffle: return "shuffle";
    case Sampling::balanced: return "balanced";
  }
  return "?";
}

}  // namespace tl
