#include "tl/report/html_page.hpp"

#include <cmath>
#include <cstdio>

namespace tl {
namespace {

// Light, print-friendly, readable at a glance; wide content (a 37-class matrix) scrolls in its box.
constexpr const char* kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;margin:0 auto;max-width:1120px;padding:16px 24px 48px}
h1{font-size:24px;margin:8px 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.subtitle{color:#59636e;margin:0 0 12px}
table{border-collapse:collapse;margin:6px 0 12px}th,td{padding:3px 10px;border-bottom:1px solid #e6e8eb;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
table.sortable th{cursor:pointer;user-select:none}table.sortable th:after{content:" \2195";color:#8c959f}
table.facts th{background:none;width:220px}
.scroll{overflow-x:auto;max-width:100%}.missing{background:#fff8c5;border:1px solid #d4a72c;padding:8px 12px;border-radius:6px}
.metrics{display:flex;gap:12px;flex-wrap:wrap;margin:8px 0}.metric{border:1px solid #d0d7de;border-radius:6px;padding:6px 14px}
.metric b{display:block;font-size:20px}.charts{display:flex;flex-wrap:wrap;gap:8px}
svg text{font:11px system-ui,sans-serif;fill:#1f2328}svg text.dark{fill:#fff}svg .legend-item{cursor:pointer}svg .hidden{opacity:.12}
.losses{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.losses figure{margin:0;border:1px solid #d0d7de;border-radius:6px;padding:6px;text-align:center}
.losses img{max-width:128px;max-height:128px}.losses .maps{display:flex;gap:4px;justify-content:center;margin-top:4px}.losses img.heat{max-width:62px;max-height:62px}.losses figcaption{font-size:12px;word-break:break-word}
.wrong{color:#cf222e}.right{color:#1a7f37}pre{background:#f6f8fa;padding:10px;overflow-x:auto;font-size:12px}
.bar{display:inline-block;height:10px;background:#4e79a7;vertical-align:middle;margin-right:6px})";

// Conveniences only: sorting by a column, hiding a chart series from its legend.
constexpr const char* kScript = R"(
document.querySelectorAll('table.sortable').forEach(function(table){
  table.querySelectorAll('th').forEach(function(th,column){
    th.addEventListener('click',function(){
      var body=table.tBodies[0],rows=Array.from(body.rows),up=th.dataset.order!=='asc';
      th.dataset.order=up?'asc':'desc';
      function key(row){var c=row.cells[column];return c.dataset.sort!==undefined?parseFloat(c.dataset.sort):c.textContent;}
      rows.sort(function(a,b){var x=key(a),y=key(b);var r=(typeof x==='number'&&typeof y==='number')?x-y:String(x).localeCompare(String(y));return up?r:-r;});
      rows.forEach(function(row){body.appendChild(row);});
    });
  });
});
document.querySelectorAll('svg .legend-item').forEach(function(item){
  item.addEventListener('click',function(){
    var svg=item.closest('svg'),name=item.dataset.series;
    svg.querySelectorAll('[data-series]').forEach(function(e){if(e.dataset.series===name)e.classList.toggle('hidden');});
  });
});)";

}  // namespace

std::string escape_html(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': escaped += "&amp;"; break;
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      case '"': escaped += "&quot;"; break;
      case '\'': escaped += "&#39;"; break;
      default: escaped += c;
    }
  }
  return escaped;
}

std::string format_number(double value, int decimals) {
  if (!std::isfinite(value)) return "–";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string format_percent(double fraction, int decimals) { return format_number(100 * fraction, decimals) + "%"; }

HtmlCell text_cell(std::string_view text) { return {escape_html(text), {}}; }
HtmlCell number_cell(double value, int decimals) { return {format_number(value, decimals), format_number(value, 9)}; }
HtmlCell percent_cell(double fraction) { return {format_percent(fraction), format_number(fraction, 9)}; }

std::string html_table(const std::vector<std::string>& headings, const std::vector<std::vector<HtmlCell>>& rows,
                       bool sortable, const std::string& css_class) {
  std::string classes = css_class;
  if (sortable) classes += classes.empty() ? "sortable" : " sortable";
  std::string html = "<div class=\"scroll\"><table" + (classes.empty() ? "" : " class=\"" + classes + "\"") + ">";
  std::vector<bool> numeric(headings.size(), !rows.empty());
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < numeric.size(); ++c) numeric[c] = numeric[c] && !row[c].sort_key.empty();
  }
  html += "<thead><tr>";
  for (size_t c = 0; c < headings.size(); ++c) {
    html += (numeric[c] ? "<th class=\"num\">" : "<th>") + headings[c] + "</th>";
  }
  html += "</tr></thead><tbody>";
  for (const auto& row : rows) {
    html += "<tr>";
    for (size_t c = 0; c < row.size(); ++c) {
      const HtmlCell& cell = row[c];
      html += "<td";
      if (c < numeric.size() && numeric[c]) html += " class=\"num\"";
      if (!cell.sort_key.empty()) html += " data-sort=\"" + cell.sort_key + "\"";
      html += ">" + cell.html + "</td>";
    }
    html += "</tr>";
  }
  return html + "</tbody></table></div>";
}

HtmlPage::HtmlPage(std::string title) : title_(std::move(title)) {}

void HtmlPage::add(std::string html) { parts_.push_back(std::move(html)); }

void HtmlPage::add_section(const std::string& id, const std::string& heading, const std::string& body) {
  parts_.push_back("<section id=\"" + id + "\"><h2>" + heading + "</h2>" + body + "</section>");
}

std::string HtmlPage::render() const {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<title>" +
      escape_html(title_) + "</title><style>" + kStyle + "</style></head><body>\n";
  for (const auto& part : parts_) html += part + "\n";
  return html + "<script>" + kScript + "</script></body></html>\n";
}

}  // namespace tl
