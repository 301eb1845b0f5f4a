#include "tl/run/epoch_metrics.hpp"

#include "tl/run/recorded_fields.hpp"

namespace tl {
namespace {

nlohmann::json number_or_null(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

}  // namespace

nlohmann::json EpochMetrics::to_json() const {
  return {{"epoch", epoch},
          {"stage", stage},
          {"lr", number_or_null(lr)},
          {"train_loss", train_loss},
          {"train_accuracy", train_accuracy},
          {"val_loss", number_or_null(val_loss)},
          {"val_accuracy", number_or_null(val_accuracy)},
          {"seconds", seconds},
          {"images_per_second", images_per_second}};
}

EpochMetrics EpochMetrics::from_json(const nlohmann::json& recorded, const std::string& file) {
  const RecordedFields fields(recorded, file);
  EpochMetrics metrics;
  metrics.epoch = fields.integer("epoch");
  if (fields.has("stage")) metrics.stage = fields.text("stage");
  metrics.lr = fields.number_or_null("lr");
  metrics.train_loss = fields.number("train_loss");
  metrics.train_accuracy = fields.number("train_accuracy");
  metrics.val_loss = fields.number_or_null("val_loss");
  metrics.val_accuracy = fields.number_or_null("val_accuracy");
  metrics.seconds = fields.number("seconds");
  metrics.images_per_second = fields.number("images_per_second");
  return metrics;
}

}  // namespace tl
