#pragma once
// Axis ranges and ticks a reader can take in at a glance: steps of 1, 2 or 5 times a power of ten,
// the range widened to whole steps, labels with just the decimals the step needs.
#include <string>
#include <vector>

namespace tl {

struct ChartAxis {
  double low = 0, high = 1;
  double step = 0.2;
  std::vector<double> ticks;  // low, low + step, ..., high

  double fraction(double value) const { return (value - low) / (high - low); }  // 0 at low, 1 at high
  std::string label(double value) const;
};

// About `target_ticks` ticks covering [minimum, maximum]; `whole_numbers` keeps the step >= 1 (epochs).
ChartAxis nice_axis(double minimum, double maximum, int target_ticks = 5, bool whole_numbers = false);

}  // namespace tl
