#include "tl/report/bar_chart.hpp"

#include <algorithm>

#include "tl/report/chart_axis.hpp"
#include "tl/report/html_page.hpp"
#include "tl/report/line_chart.hpp"

namespace tl {

std::string render_svg(const BarChart& chart) {
  constexpr double kRow = 22, kTop = 28, kBottom = 40, kRight = 70;
  size_t longest = 4;
  double maximum = 0, minimum = 0;
  for (const auto& bar : chart.bars) {
    longest = std::max(longest, bar.label.size());
    maximum = std::max(maximum, bar.value);
    minimum = std::min(minimum, bar.value);
  }
  const double left = 12 + 6.6 * static_cast<double>(std::min<size_t>(longest, 48));
  const ChartAxis axis = nice_axis(minimum, maximum, 5);
  const double plot_width = chart.width - left - kRight;
  const double height = kTop + kRow * static_cast<double>(chart.bars.size()) + kBottom;
  const auto px = [&](double value) { return left + axis.fraction(value) * plot_width; };
  std::string svg = "<svg class=\"chart bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    std::to_string(chart.width) + "\" height=\"" + format_number(height, 0) +
                    "\" role=\"img\" aria-label=\"" + escape_html(chart.title) + "\">";
  svg += "<text x=\"0\" y=\"14\" style=\"font-weight:600;font-size:13px\">" + escape_html(chart.title) + "</text>";
  const double bottom = kTop + kRow * static_cast<double>(chart.bars.size());
  for (const double tick : axis.ticks) {
    const std::string x = format_number(px(tick), 1);
    svg += "<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + format_number(kTop, 1) + "\" y2=\"" +
           format_number(bottom + 4, 1) + "\" stroke=\"#e6e8eb\"/><text x=\"" + x + "\" y=\"" +
           format_number(bottom + 16, 1) + "\" text-anchor=\"middle\">" + axis.label(tick) + "</text>";
  }
  svg += "<text x=\"" + format_number(left + plot_width / 2, 1) + "\" y=\"" + format_number(height - 6, 1) +
         "\" text-anchor=\"middle\">" + escape_html(chart.value_label) + "</text>";
  for (size_t i = 0; i < chart.bars.size(); ++i) {
    const Bar& bar = chart.bars[i];
    const double y = kTop + kRow * static_cast<double>(i);
    const double x0 = px(std::min(0.0, bar.value)), x1 = px(std::max(0.0, bar.value));
    svg += "<text x=\"" + format_number(left - 6, 1) + "\" y=\"" + format_number(y + kRow / 2, 1) +
           "\" text-anchor=\"end\" dominant-baseline=\"middle\">" + escape_html(bar.label) + "</text>";
    svg += "<rect class=\"bar\" data-value=\"" + format_number(bar.value, 9) + "\" x=\"" + format_number(x0, 1) +
           "\" y=\"" + format_number(y + 3, 1) + "\" width=\"" + format_number(std::max(1.0, x1 - x0), 1) +
           "\" height=\"" + format_number(kRow - 6, 1) + "\" fill=\"" +
           (bar.colour.empty() ? series_colour(0) : bar.colour) + "\"/>";
    svg += "<text x=\"" + format_number(x1 + 4, 1) + "\" y=\"" + format_number(y + kRow / 2, 1) +
           "\" dominant-baseline=\"middle\">" + escape_html(bar.value_text) + "</text>";
  }
  return svg + "</svg>";
}

}  // namespace tl
