#include "tl/report/line_chart.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "tl/report/chart_axis.hpp"
#include "tl/report/html_page.hpp"

namespace tl {
namespace {

constexpr double kLeft = 64, kRight = 16, kTop = 44, kBottom = 46;
constexpr double kLegendRow = 16, kLegendCharacter = 6.5, kLegendSwatch = 18;

std::string coordinate(double value) { return format_number(value, 1); }

struct LegendEntry {
  double x = 0, y = 0;
  std::string text;  // the series name, shortened with an ellipsis when it cannot fit a row
};

// Entries flow left to right and wrap onto further rows, so a sweep's long variant names stay
// inside the chart instead of running off its edge.
std::vector<LegendEntry> lay_out_legend(const LineChart& chart) {
  const double row_width = chart.width - kLeft - kRight;
  const auto longest = static_cast<size_t>(std::max(4.0, (row_width - kLegendSwatch) / kLegendCharacter));
  std::vector<LegendEntry> entries;
  double x = kLeft, y = 30;
  for (const auto& series : chart.series) {
    std::string text = series.name;
    if (text.size() > longest) {
      size_t cut = longest - 1;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
      text = text.substr(0, cut) + "\u2026";
    }
    const double width = kLegendSwatch + 12 + kLegendCharacter * static_cast<double>(std::min(text.size(), longest));
    if (x > kLeft && x + width > kLeft + row_width) x = kLeft, y += kLegendRow;
    entries.push_back({x, y, std::move(text)});
    x += width;
  }
  return entries;
}

}  // namespace

const std::string& series_colour(size_t index) {
  static const std::array<std::string, 10> palette{"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                                   "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  return palette[index % palette.size()];
}

std::string render_svg(const LineChart& chart) {
  double x_min = std::numeric_limits<double>::infinity(), x_max = -x_min, y_min = x_min, y_max = -x_min;
  for (const auto& series : chart.series) {
    for (const auto& [x, y] : series.points) {
      x_min = std::min(x_min, x), x_max = std::max(x_max, x);
      y_min = std::min(y_min, y), y_max = std::max(y_max, y);
    }
  }
  if (!std::isfinite(x_min)) x_min = x_max = y_min = y_max = 0;
  if (chart.y_from_zero) y_min = std::min(0.0, y_min);
  const ChartAxis x_axis = nice_axis(x_min, x_max, 6, chart.whole_number_x);
  const ChartAxis y_axis = nice_axis(y_min, y_max, 5);
  const std::vector<LegendEntry> legend = lay_out_legend(chart);
  // Rows of legend beyond the first make the chart taller; the plot keeps its size.
  const double legend_extra = legend.empty() ? 0 : legend.back().y - 30;
  const double top = kTop + legend_extra, height = chart.height + legend_extra;
  const double plot_width = chart.width - kLeft - kRight, plot_height = chart.height - kTop - kBottom;
  const auto px = [&](double x) { return kLeft + x_axis.fraction(x) * plot_width; };
  const auto py = [&](double y) { return top + (1 - y_axis.fraction(y)) * plot_height; };

  std::string svg = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(chart.width) +
                    "\" height=\"" + coordinate(height) + "\" role=\"img\"" + " aria-label=\"" +
                    escape_html(chart.title) + "\">";
  svg += "<text x=\"" + coordinate(kLeft) + "\" y=\"14\" style=\"font-weight:600;font-size:13px\">" +
         escape_html(chart.title) + "</text>";
  // Grid and ticks.
  for (const double tick : y_axis.ticks) {
    const std::string y = coordinate(py(tick));
    svg += "<line x1=\"" + coordinate(kLeft) + "\" x2=\"" + coordinate(kLeft + plot_width) + "\" y1=\"" + y +
           "\" y2=\"" + y + "\" stroke=\"#e6e8eb\"/>";
    svg += "<text class=\"tick\" x=\"" + coordinate(kLeft - 6) + "\" y=\"" + y +
           "\" text-anchor=\"end\" dominant-baseline=\"middle\">" + y_axis.label(tick) + "</text>";
  }
  for (const double tick : x_axis.ticks) {
    const std::string x = coordinate(px(tick));
    svg += "<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + coordinate(top + plot_height) + "\" y2=\"" +
           coordinate(top + plot_height + 4) + "\" stroke=\"#57606a\"/>";
    svg += "<text class=\"tick\" x=\"" + x + "\" y=\"" + coordinate(top + plot_height + 16) +
           "\" text-anchor=\"middle\">" + x_axis.label(tick) + "</text>";
  }
  svg += "<rect x=\"" + coordinate(kLeft) + "\" y=\"" + coordinate(top) + "\" width=\"" + coordinate(plot_width) +
         "\" height=\"" + coordinate(plot_height) + "\" fill=\"none\" stroke=\"#57606a\"/>";
  svg += "<text x=\"" + coordinate(kLeft + plot_width / 2) + "\" y=\"" + coordinate(height - 8) +
         "\" text-anchor=\"middle\">" + escape_html(chart.x_label) + "</text>";
  svg += "<text transform=\"translate(14 " + coordinate(top + plot_height / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + escape_html(chart.y_label) + "</text>";
  for (const auto& line : chart.lines) {
    const std::string x = coordinate(px(line.x));
    svg += "<line class=\"marker\" x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + coordinate(top) + "\" y2=\"" +
           coordinate(top + plot_height) + "\" stroke=\"#8c959f\" stroke-dasharray=\"4 3\"/>";
    svg += "<text x=\"" + coordinate(px(line.x) + 4) + "\" y=\"" + coordinate(top + 12) + "\" fill=\"#57606a\">" +
           escape_html(line.label) + "</text>";
  }
  // Series, then the legend along the top.
  for (size_t s = 0; s < chart.series.size(); ++s) {
    const ChartSeries& series = chart.series[s];
    const std::string colour = series.colour.empty() ? series_colour(s) : series.colour;
    const std::string name = escape_html(series.name);
    std::string points;
    for (const auto& [x, y] : series.points)
      points += (points.empty() ? "" : " ") + coordinate(px(x)) + "," + coordinate(py(y));
    svg += "<polyline class=\"series\" data-series=\"" + name + "\" points=\"" + points + "\" fill=\"none\" stroke=\"" +
           colour + "\" stroke-width=\"2\"" + (series.dashed ? " stroke-dasharray=\"6 3\"" : "") + "/>";
    svg += "<g data-series=\"" + name + "\" fill=\"" + colour + "\">";
    for (const auto& [x, y] : series.points) {
      svg += "<circle cx=\"" + coordinate(px(x)) + "\" cy=\"" + coordinate(py(y)) + "\" r=\"2.5\"/>";
    }
    svg += "</g>";
    const LegendEntry& entry = legend[s];
    svg += "<g class=\"legend-item\" data-series=\"" + name + "\"><title>" + name + "</title><rect x=\"" +
           coordinate(entry.x) + "\" y=\"" + coordinate(entry.y - 6) + "\" width=\"14\" height=\"4\" fill=\"" + colour +
           "\"/><text x=\"" + coordinate(entry.x + kLegendSwatch) + "\" y=\"" + coordinate(entry.y) + "\">" +
           escape_html(entry.text) + "</text></g>";
  }
  for (const auto& mark : chart.marks) {
    svg += "<circle class=\"mark\" cx=\"" + coordinate(px(mark.x)) + "\" cy=\"" + coordinate(py(mark.y)) +
           "\" r=\"6\" fill=\"none\" stroke=\"#1f2328\" stroke-width=\"1.5\"/>";
    const bool right_half = x_axis.fraction(mark.x) > 0.6;
    svg += "<text x=\"" + coordinate(px(mark.x) + (right_half ? -9 : 9)) + "\" y=\"" + coordinate(py(mark.y) - 9) +
           "\"" + (right_half ? " text-anchor=\"end\"" : "") + ">" + escape_html(mark.label) + "</text>";
  }
  return svg + "</svg>";
}

}  // namespace tl
