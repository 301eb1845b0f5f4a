#include "tl/model/lr_schedule.hpp"

#include <cmath>

namespace tl {

LrSchedule::LrSchedule(const ScheduleConfig& config, double base_lr, int total_epochs)
    : config_(config), base_lr_(base_lr), total_epochs_(total_epochs) {}

double LrSchedule::at(double progress) const {
  const double warmup = config_.warmup_epochs;
  if (progress < warmup) return base_lr_ * progress / warmup;
  switch (config_.kind) {
    case ScheduleKind::constant: return base_lr_;
    case ScheduleKind::step: return base_lr_ * std::pow(config_.gamma, std::floor(progress / config_.step_size));
    case ScheduleKind::cosine:
      // Cosine over what is left after the warmup.
      return base_lr_ * 0.5 * (1.0 + std::cos(M_PI * (progress - warmup) / (total_epochs_ - warmup)));
  }
  return base_lr_;
}

}  // namespace tl
