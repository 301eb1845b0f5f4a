#include "tl/report/confusion_heat_map.hpp"

#include <algorithm>
#include <cmath>

#include "tl/base/error.hpp"
#include "tl/report/html_page.hpp"

namespace tl {
namespace {

// White to a deep blue: the share of the row's samples in this cell.
std::string cell_colour(double share) {
  const auto channel = [&](int from, int to) {
    return std::to_string(static_cast<int>(std::lround(from + (to - from) * std::sqrt(share))));
  };
  return "rgb(" + channel(255, 8) + "," + channel(255, 48) + "," + channel(255, 107) + ")";
}

}  // namespace

std::string render_confusion_heat_map(const std::vector<std::string>& class_names,
                                      const std::vector<std::vector<int>>& confusion) {
  const size_t n = class_names.size();
  if (confusion.size() != n)
    throw Error("confusion matrix: " + std::to_string(confusion.size()) + " rows for " + std::to_string(n) +
                " classes");
  for (const auto& row : confusion) {
    if (row.size() != n)
      throw Error("confusion matrix: a row of " + std::to_string(row.size()) + " for " + std::to_string(n) +
                  " classes");
  }
  size_t longest = 4;
  for (const auto& name : class_names) longest = std::max(longest, std::min<size_t>(name.size(), 40));
  const double cell = std::clamp(640.0 / static_cast<double>(std::max<size_t>(n, 1)), 17.0, 56.0);
  const double label_space = 10 + 6.4 * static_cast<double>(longest);
  const double left = label_space + 18, top = label_space * 0.72 + 20;  // column labels at 45 degrees
  const double width = left + cell * static_cast<double>(n) + label_space * 0.72 + 8;
  const double height = top + cell * static_cast<double>(n) + 8;
  const double font = std::min(12.0, cell * 0.5);
  std::string svg = "<svg class=\"confusion\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + format_number(width, 0) +
                    "\" height=\"" + format_number(height, 0) + "\" role=\"img\" aria-label=\"confusion matrix\">";
  svg += "<text transform=\"translate(10 " + format_number(top + cell * static_cast<double>(n) / 2, 1) +
         ") rotate(-90)\" text-anchor=\"middle\" style=\"font-weight:600\">true class</text>";
  svg += "<text x=\"" + format_number(left, 1) + "\" y=\"12\" style=\"font-weight:600\">predicted class</text>";
  for (size_t i = 0; i < n; ++i) {
    const std::string name = escape_html(class_names[i]);
    const double middle = static_cast<double>(i) * cell + cell / 2;
    svg += "<text class=\"row-label\" x=\"" + format_number(left - 6, 1) + "\" y=\"" + format_number(top + middle, 1) +
           "\" text-anchor=\"end\" dominant-baseline=\"middle\">" + name + "</text>";
    svg += "<text class=\"column-label\" transform=\"translate(" + format_number(left + middle, 1) + " " +
           format_number(top - 6, 1) + ") rotate(-45)\">" + name + "</text>";
  }
  for (size_t t = 0; t < n; ++t) {
    int row_total = 0;
    for (const int count : confusion[t]) row_total += count;
    for (size_t p = 0; p < n; ++p) {
      const int count = confusion[t][p];
      const double share = row_total > 0 ? static_cast<double>(count) / row_total : 0.0;
      const double x = left + static_cast<double>(p) * cell, y = top + static_cast<double>(t) * cell;
      svg += "<rect class=\"cell\" data-true=\"" + std::to_string(t) + "\" data-predicted=\"" + std::to_string(p) +
             "\" data-count=\"" + std::to_string(count) + "\" x=\"" + format_number(x, 1) + "\" y=\"" +
             format_number(y, 1) + "\" width=\"" + format_number(cell, 1) + "\" height=\"" + format_number(cell, 1) +
             "\" fill=\"" + cell_colour(share) + "\" stroke=\"" + (t == p ? "#1a7f37" : "#e6e8eb") + "\"><title>" +
             escape_html(class_names[t]) + " → " + escape_html(class_names[p]) + ": " + std::to_string(count) + " (" +
             format_percent(share, 1) + " of " + escape_html(class_names[t]) + ")</title></rect>";
      if (count > 0) {
        svg += "<text x=\"" + format_number(x + cell / 2, 1) + "\" y=\"" + format_number(y + cell / 2, 1) +
               "\" text-anchor=\"middle\" dominant-baseline=\"middle\" style=\"font-size:" + format_number(font, 1) +
               "px;pointer-events:none\"" + (share > 0.45 ? " class=\"dark\"" : "") + ">" + std::to_string(count) +
               "</text>";
      }
    }
  }
  return svg + "</svg>";
}

}  // namespace tl
