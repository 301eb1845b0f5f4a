#include "tl/report/chart_axis.hpp"

#include <algorithm>
#include <cmath>

#include "tl/report/html_page.hpp"

namespace tl {

std::string ChartAxis::label(double value) const {
  const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(step) + 1e-9)), 0, 8);
  return format_number(std::abs(value) < step * 1e-6 ? 0.0 : value, decimals);
}

ChartAxis nice_axis(double minimum, double maximum, int target_ticks, bool whole_numbers) {
  if (!std::isfinite(minimum) || !std::isfinite(maximum)) minimum = maximum = 0;
  if (maximum < minimum) std::swap(minimum, maximum);
  if (maximum - minimum < 1e-12) {
    const double pad = minimum == 0 ? 1 : std::abs(minimum) * 0.1;
    minimum -= pad;
    maximum += pad;
  }
  const double raw = (maximum - minimum) / std::max(1, target_ticks);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double normalised = raw / magnitude;
  double step = (normalised < 1.5 ? 1 : normalised < 3 ? 2 : normalised < 7 ? 5 : 10) * magnitude;
  if (whole_numbers) step = std::max(1.0, std::round(step));
  ChartAxis axis;
  axis.step = step;
  axis.low = std::floor(minimum / step + 1e-9) * step;
  axis.high = std::ceil(maximum / step - 1e-9) * step;
  if (axis.high <= axis.low) axis.high = axis.low + step;
  for (double tick = axis.low; tick <= axis.high + step * 1e-6; tick += step) axis.ticks.push_back(tick);
  return axis;
}

}  // namespace tl
