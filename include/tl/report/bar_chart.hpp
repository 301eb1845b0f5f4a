#pragma once
// A horizontal bar chart as inline SVG, one <rect class="bar" data-value> per bar, labels on the left
// and values at the bar's end: a sweep's metric per variant.
#include <string>
#include <vector>

namespace tl {

struct Bar {
  std::string label;
  double value = 0;
  std::string value_text;  // shown at the end of the bar
  std::string colour;      // empty: the palette's first
};

struct BarChart {
  std::string title, value_label;
  std::vector<Bar> bars;
  int width = 640;
};

std::string render_svg(const BarChart& chart);

}  // namespace tl
