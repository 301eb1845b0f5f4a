#pragma once
// A self-contained HTML page for reports: the style and the few scripts are inline, nothing is
// fetched, and the page reads fully without JavaScript (scripts only sort tables and toggle chart
// series). Everything added is already HTML; text from users goes through escape_html first.
#include <string>
#include <string_view>
#include <vector>

namespace tl {

// & < > " ' as entities: a class folder named "<script>" shows as text, in content and attributes.
std::string escape_html(std::string_view text);

// Fixed-point text for a report: format_number(0.98765, 2) == "0.99"; format_percent(0.98765) == "98.77%".
std::string format_number(double value, int decimals);
std::string format_percent(double fraction, int decimals = 2);

// A table whose columns sort on a click (by each cell's sort key when it has one, else its text).
struct HtmlCell {
  std::string html;
  std::string sort_key;  // empty: sort by the text
};
std::string html_table(const std::vector<std::string>& headings, const std::vector<std::vector<HtmlCell>>& rows,
                       bool sortable, const std::string& css_class = "");
HtmlCell text_cell(std::string_view text);
HtmlCell number_cell(double value, int decimals);
HtmlCell percent_cell(double fraction);

class HtmlPage {
 public:
  explicit HtmlPage(std::string title);
  void add(std::string html);
  // A section with a heading and an id to link to.
  void add_section(const std::string& id, const std::string& heading, const std::string& body);
  std::string render() const;

 private:
  std::string title_;
  std::vector<std::string> parts_;
};

}  // namespace tl
