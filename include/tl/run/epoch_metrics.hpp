#pragma once
// One epoch's figures: a line of metrics.jsonl, and the summary's best and last epochs. Lines of
// every tl version read back; those written before fine-tuning existed carry no stage ("head").
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace tl {

struct EpochMetrics {
  int epoch = 0;               // 1-based, over all stages
  std::string stage = "head";  // head | fine_tune
  std::optional<double> lr;    // none for a solved (logistic) head
  double train_loss = 0, train_accuracy = 0;
  std::optional<double> val_loss, val_accuracy;  // none without a validation split
  double seconds = 0;
  double images_per_second = 0;

  nlohmann::json to_json() const;
  // Throws tl::Error naming `file` and the field that is missing or mistyped.
  static EpochMetrics from_json(const nlohmann::json& recorded, const std::string& file);
};

}  // namespace tl
