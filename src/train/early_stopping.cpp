#include "tl/train/early_stopping.hpp"

#include "tl/base/error.hpp"

namespace tl {

void EarlyStopping::observe(double loss) {
  if (!seen_ || loss < lowest_ - settings_.min_delta) {
    lowest_ = loss;
    seen_ = true;
    stale_epochs_ = 0;
  } else {
    ++stale_epochs_;
  }
}

nlohmann::json EarlyStopping::counters() const {
  return {{"seen", seen_}, {"lowest", lowest_}, {"stale_epochs", stale_epochs_}};
}

void EarlyStopping::restore_counters(const nlohmann::json& counters, const std::string& source) {
  try {
    seen_ = counters.at("seen").get<bool>();
    lowest_ = counters.at("lowest").get<double>();
    stale_epochs_ = counters.at("stale_epochs").get<int>();
  } catch (const nlohmann::json::exception& error) {
    throw Error(source + ": early-stopping counters are incomplete: " + error.what());
  }
}

}  // namespace tl
