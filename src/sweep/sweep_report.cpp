#include "tl/sweep/sweep_report.hpp"

#include <cstdlib>

#include "tl/base/atomic_file.hpp"
#include "tl/base/error.hpp"
#include "tl/report/bar_chart.hpp"
#include "tl/report/html_page.hpp"
#include "tl/report/line_chart.hpp"
#include "tl/run/run_directory.hpp"

namespace tl {
namespace {

namespace fs = std::filesystem;

// A numeric cell sorts by its value; the rest by their text.
HtmlCell table_cell(const std::string& text) {
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  const bool numeric = !text.empty() && end != nullptr && *end == '\0';
  return {escape_html(text), numeric ? text : std::string()};
}

std::vector<std::string> html_headings(const ResultsTable& table) {
  std::vector<std::string> headings;
  headings.reserve(table.header.size());
  for (const auto& column : table.header) headings.push_back(escape_html(column));
  return headings;
}

std::vector<std::vector<HtmlCell>> html_rows(const ResultsTable& table) {
  std::vector<std::vector<HtmlCell>> rows;
  rows.reserve(table.rows.size());
  for (const auto& cells : table.rows) {
    std::vector<HtmlCell>& row = rows.emplace_back();
    row.reserve(cells.size());
    for (const auto& cell : cells) row.push_back(table_cell(cell));
  }
  return rows;
}

std::string ranked_table(const Sweep& sweep, const std::vector<VariantResult>& results) {
  const ResultsTable table = make_results_table(sweep, results);
  std::vector<std::vector<HtmlCell>> rows = html_rows(table);
  for (size_t r = 0; r < rows.size(); ++r) {
    const std::string& name = results[r].name;
    if (fs::exists(sweep.directory / name / "report.html")) {
      rows[r][1].html = "<a href=\"" + escape_html(name) + "/report.html\">" + escape_html(name) + "</a>";
    }
  }
  return html_table(html_headings(table), rows, true, "variants");
}

std::string recipes_table(const Sweep& sweep, const std::vector<VariantResult>& results) {
  const ResultsTable table = make_recipes_table(sweep, summarize_recipes(sweep, results));
  return html_table(html_headings(table), html_rows(table), true, "recipes");
}

std::string metric_chart(const Sweep& sweep, const std::vector<VariantResult>& results) {
  BarChart chart{sweep.metric + " per variant (" + sweep.split + " split unless a val_ metric)", sweep.metric, {}};
  for (const auto& result : results) {
    if (!result.ok) continue;
    const double value = result.metrics.at(sweep.metric);
    chart.bars.push_back({result.name, value, format_number(value, 4),
                          result.best                   ? series_colour(4)
                          : result.missed_gates.empty() ? series_colour(0)
                                                        : series_colour(2)});
  }
  if (chart.bars.empty()) return "<p class=\"missing\">No variant has finished yet.</p>";
  return render_svg(chart);
}

std::string validation_curves(const Sweep& sweep, const std::vector<VariantResult>& results) {
  LineChart chart{"Validation accuracy per epoch", "epoch", "validation accuracy (%)", {}, {}, {}, true, false};
  for (const auto& result : results) {
    if (!result.ok) continue;
    ChartSeries series{result.name, {}, {}, false};
    try {
      for (const EpochMetrics& line : RunDirectory(sweep.directory / result.name).load_metrics()) {
        if (line.val_accuracy) series.points.emplace_back(line.epoch, 100 * *line.val_accuracy);
      }
    } catch (const Error&) {
      continue;  // the table already says what this variant lacks
    }
    if (!series.points.empty()) chart.series.push_back(std::move(series));
  }
  if (chart.series.empty()) return "<p class=\"missing\">No variant has validation metrics.</p>";
  chart.width = 640;
  return render_svg(chart);
}

}  // namespace

std::string render_sweep_report(const Sweep& sweep, const std::vector<VariantResult>& results) {
  HtmlPage page("tl sweep " + sweep.name);
  int failed = 0, missed = 0;
  for (const auto& result : results) {
    failed += result.ok ? 0 : 1;
    missed += result.ok && !result.missed_gates.empty() ? 1 : 0;
  }
  page.add("<h1>Sweep " + escape_html(sweep.name) + "</h1><p class=\"subtitle\">" +
           std::to_string(sweep.variants.size()) + " variants from <code>" + escape_html(sweep.file.string()) +
           "</code>, evaluated on the " + escape_html(sweep.split) + " split, ranked by " + escape_html(sweep.metric) +
           "</p>");
  page.add("<div class=\"metrics\"><div class=\"metric\">finished<b>" +
           std::to_string(results.size() - static_cast<size_t>(failed)) + " of " +
           std::to_string(sweep.variants.size()) + "</b></div><div class=\"metric\">failed<b>" +
           std::to_string(failed) + "</b></div><div class=\"metric\">missed a gate<b>" + std::to_string(missed) +
           "</b></div></div>");
  std::string gates;
  for (const auto& result : results) {
    for (const auto& line : result.missed_gates) gates += "<li>" + escape_html(line) + "</li>";
    if (!result.ok) gates += "<li>failed: " + escape_html(result.name) + ": " + escape_html(result.error) + "</li>";
  }
  if (sweep.folds >= 2) {
    page.add_section(
        "recipes",
        "Recipes over " + std::to_string(sweep.folds) + " validation folds, by their mean " + escape_html(sweep.metric),
        recipes_table(sweep, results));
  }
  page.add_section("variants", "Variants, best first",
                   ranked_table(sweep, results) + (gates.empty() ? "<p>Every finished variant met its gates.</p>"
                                                                 : "<ul class=\"wrong\">" + gates + "</ul>"));
  page.add_section("metric", "The metric per variant", metric_chart(sweep, results));
  page.add_section("curves", "Validation curves", validation_curves(sweep, results));
  return page.render();
}

void write_sweep_report(const Sweep& sweep, const std::vector<VariantResult>& results) {
  write_file_atomically(sweep.directory / "report.html", render_sweep_report(sweep, results), Durability::rename_only);
}

}  // namespace tl
