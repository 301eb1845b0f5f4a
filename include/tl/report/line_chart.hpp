#pragma once
// Line charts as inline SVG: training curves, learning rate, a sweep's validation curves overlaid.
// Each series is one <polyline data-series="name"> with a point per value (plus a dot per point, so a
// one-epoch run still shows), axes with ticks and units, a legend that toggles a series on a click.
#include <string>
#include <utility>
#include <vector>

namespace tl {

struct ChartSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), x ascending
  std::string colour;                             // CSS colour; empty: the palette's next one
  bool dashed = false;
};

struct ChartLine {  // a vertical line across the plot, e.g. where fine-tuning starts
  double x = 0;
  std::string label;
};

struct ChartMark {  // a ringed point with a label, e.g. the best epoch
  double x = 0, y = 0;
  std::string label;
};

struct LineChart {
  std::string title;  // shown above the plot
  std::string x_label, y_label;
  std::vector<ChartSeries> series;
  std::vector<ChartLine> lines;
  std::vector<ChartMark> marks;
  bool whole_number_x = true;  // epochs
  bool y_from_zero = false;
  int width = 520, height = 300;
};

std::string render_svg(const LineChart& chart);

// The i-th colour of a palette that stays distinguishable for ten series (Tableau 10).
const std::string& series_colour(size_t index);

}  // namespace tl
