#pragma once
// LrSchedule: the learning rate as a function of training progress, measured in (fractional)
// epochs, so a schedule is the same whatever the batch size. Pure arithmetic, no tensors. An optional
// linear warmup (0 to the base rate over warmup_epochs) comes first; cosine then spans the rest.
#include "tl/config/train_options.hpp"

namespace tl {

class LrSchedule {
 public:
  LrSchedule(const ScheduleConfig& config, double base_lr, int total_epochs);
  // progress in [0, total_epochs): epoch index plus the fraction of that epoch done.
  double at(double progress) const;

 private:
  ScheduleConfig config_;
  double base_lr_;
  int total_epochs_;
};

}  // namespace tl
