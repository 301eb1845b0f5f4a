#pragma once
// EarlyStopping: watches a loss (validation, else training) and says when it has not fallen below
// its lowest value by more than min_delta for `patience` epochs. Patience 0 never stops. Its
// counters are part of the training state, so a resumed run stops exactly where an uninterrupted
// one would.
#include <nlohmann/json.hpp>

namespace tl {

struct EarlyStoppingSettings {
  int patience = 0;
  double min_delta = 0.0;
};

class EarlyStopping {
 public:
  explicit EarlyStopping(EarlyStoppingSettings settings = {}) : settings_(settings) {}

  void observe(double loss);
  bool should_stop() const { return settings_.patience > 0 && stale_epochs_ >= settings_.patience; }
  int stale_epochs() const { return stale_epochs_; }

  // The counters (not the settings, which come from the config).
  nlohmann::json counters() const;
  // Throws tl::Error naming `source` when the counters are incomplete.
  void restore_counters(const nlohmann::json& counters, const std::string& source);

 private:
  EarlyStoppingSettings settings_;
  bool seen_ = false;
  double lowest_ = 0;
  int stale_epochs_ = 0;
};

}  // namespace tl
