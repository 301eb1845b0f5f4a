#include "tl/data/label_list.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "tl/base/ascii_case.hpp"
#include "tl/base/error.hpp"
#include "tl/base/file_bytes.hpp"
#include "tl/base/utf8_text.hpp"

namespace fs = std::filesystem;

namespace tl {
namespace {

// A list of ten million images is about 1 GB of text; beyond that a list is a mistake (or a shard index).
constexpr uint64_t kMaxListBytes = 1ULL << 30;

struct ListLine {
  std::string path, label;
  std::optional<std::string> split;
};

class LineError {
 public:
  LineError(const fs::path& file, int line) : where_(file.string() + ":" + std::to_string(line) + ": ") {}
  [[noreturn]] void fail(const std::string& message) const { throw Error(where_ + message); }

 private:
  std::string where_;
};

// One CSV record on one line, RFC 4180 quoting ("a ""b""", a comma inside quotes); a quoted field
// cannot span lines here.
std::vector<std::string> csv_fields(const std::string& text, const LineError& error) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  bool was_quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == ',') {
      fields.emplace_back();
      was_quoted = false;
    } else if (c == '"' && fields.back().empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (was_quoted) {
      error.fail("expected a comma after the closing quote");
    } else {
      fields.back() += c;
    }
  }
  if (quoted) error.fail("a quoted field does not end on its line");
  return fields;
}

std::vector<std::string> tsv_fields(const std::string& text) {
  std::vector<std::string> fields;
  std::istringstream in(text);
  for (std::string field; std::getline(in, field, '\t');) fields.push_back(field);
  if (!text.empty() && text.back() == '\t') fields.emplace_back();
  return fields;
}

// Which column holds path, label and split: a header's order, else path, label[, split].
struct Columns {
  size_t path = 0, label = 1;
  std::optional<size_t> split;
  size_t count = 0;  // 0: two or three, as the first line has
};

std::optional<Columns> header_columns(const std::vector<std::string>& fields) {
  Columns columns;
  std::set<std::string> names;
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string name = ascii_lowercase(fields[i]);
    if (!names.insert(name).second) return std::nullopt;
    if (name == "path") {
      columns.path = i;
    } else if (name == "label") {
      columns.label = i;
    } else if (name == "split") {
      columns.split = i;
    } else {
      return std::nullopt;
    }
  }
  if (names.count("path") == 0 || names.count("label") == 0) return std::nullopt;
  columns.count = fields.size();
  return columns;
}

ListLine delimited_line(const std::vector<std::string>& fields, Columns& columns, const LineError& error) {
  if (columns.count == 0) {
    if (fields.size() != 2 && fields.size() != 3) {
      error.fail("expected path, label and an optional split, got " + std::to_string(fields.size()) + " fields");
    }
    columns.count = fields.size();
    if (fields.size() == 3) columns.split = 2;
  }
  if (fields.size() != columns.count) {
    error.fail("expected " + std::to_string(columns.count) + " fields, as the first line has, got " +
               std::to_string(fields.size()));
  }
  ListLine line{fields[columns.path], fields[columns.label], std::nullopt};
  if (columns.split) line.split = fields[*columns.split];
  return line;
}

ListLine json_line(const std::string& text, const LineError& error) {
  const nlohmann::json object = nlohmann::json::parse(text, nullptr, false);
  if (!object.is_object()) error.fail("expected a JSON object {\"path\": ..., \"label\": ...}");
  for (const auto& [key, value] : object.items()) {
    if (key != "path" && key != "label" && key != "split") {
      error.fail("unknown key \"" + utf8_text(key) + "\" (known: path, label, split)");
    }
  }
  const auto text_of = [&](const char* key, bool required) -> std::optional<std::string> {
    const auto found = object.find(key);
    if (found == object.end()) {
      if (required) error.fail(std::string(key) + ": required");
      return std::nullopt;
    }
    if (found->is_string()) return found->get<std::string>();
    if (std::string(key) == "label" && found->is_number_integer()) return found->dump();
    error.fail(std::string(key) + ": expected a string, got " + found->dump());
  };
  return {*text_of("path", true), *text_of("label", true), text_of("split", false)};
}

OfficialSplit split_named(const std::string& name, const LineError& error) {
  if (name == "train") return OfficialSplit::trainval;
  if (name == "val") return OfficialSplit::val;
  if (name == "test") return OfficialSplit::test;
  error.fail("split: expected one of train|val|test, got \"" + utf8_text(name) + "\"");
}

}  // namespace

LabelListFormat label_list_format(const fs::path& file) {
  const std::string extension = ascii_lowercase(file.extension().string());
  if (extension == ".csv") return LabelListFormat::csv;
  if (extension == ".tsv" || extension == ".txt") return LabelListFormat::tsv;
  if (extension == ".jsonl") return LabelListFormat::jsonl;
  throw Error(file.string() + ": a list file is .csv, .tsv, .txt (tab-separated) or .jsonl, got \"" +
              utf8_text(file.extension().string()) + "\"");
}

Dataset parse_label_list(const std::string& text, LabelListFormat format, const fs::path& file) {
  std::vector<ListLine> lines;
  std::vector<int> line_numbers;
  Columns columns;
  std::istringstream in(text);
  int number = 0;
  for (std::string raw; std::getline(in, raw);) {
    ++number;
    if (number == 1 && raw.rfind("\xEF\xBB\xBF", 0) == 0) raw.erase(0, 3);  // a UTF-8 byte order mark
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    if (raw.empty() || raw[0] == '#') continue;
    const LineError error(file, number);
    if (format == LabelListFormat::jsonl) {
      lines.push_back(json_line(raw, error));
    } else {
      const auto fields = format == LabelListFormat::csv ? csv_fields(raw, error) : tsv_fields(raw);
      if (lines.empty() && columns.count == 0) {
        if (const auto header = header_columns(fields)) {
          columns = *header;
          continue;
        }
      }
      lines.push_back(delimited_line(fields, columns, error));
    }
    line_numbers.push_back(number);
  }
  if (lines.empty()) throw Error(file.string() + ": lists no images (expected lines of path,label[,split])");

  Dataset dataset;
  std::set<std::string> names;
  for (size_t i = 0; i < lines.size(); ++i) {
    const LineError error(file, line_numbers[i]);
    if (lines[i].path.empty()) error.fail("path: empty");
    if (lines[i].label.empty()) error.fail("label: empty");
    if (utf8_text(lines[i].label) != lines[i].label) error.fail("label: not UTF-8 text");
    if (lines[i].split.has_value() != lines[0].split.has_value()) {
      error.fail(lines[0].split ? "split: missing, where line " + std::to_string(line_numbers[0]) + " gives one"
                                : "split: given, where line " + std::to_string(line_numbers[0]) + " gives none");
    }
    names.insert(lines[i].label);
  }
  dataset.class_names.assign(names.begin(), names.end());
  std::map<std::string, int> label_of;
  for (size_t i = 0; i < dataset.class_names.size(); ++i) label_of[dataset.class_names[i]] = static_cast<int>(i);

  for (size_t i = 0; i < lines.size(); ++i) {
    const LineError error(file, line_numbers[i]);
    const fs::path listed(lines[i].path);
    const fs::path path = (listed.is_absolute() ? listed : file.parent_path() / listed).lexically_normal();
    dataset.samples.push_back({path.native(), label_of.at(lines[i].label)});
    dataset.official.push_back(lines[i].split ? split_named(*lines[i].split, error) : OfficialSplit::none);
    std::string().swap(lines[i].path);  // no second copy of every path at the peak
  }
  // An image listed twice sits next to itself once sorted; the error names the second line that
  // repeats an earlier one, as reading the file top to bottom finds it.
  std::vector<size_t> order(dataset.samples.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return compare_paths(dataset.samples[a].path, dataset.samples[b].path) < 0;
  });
  std::optional<std::pair<size_t, size_t>> repeated;  // (first, again), the earliest `again`
  for (size_t k = 1; k < order.size(); ++k) {
    if (dataset.samples[order[k]].path != dataset.samples[order[k - 1]].path) continue;
    if (!repeated || order[k] < repeated->second) repeated = {order[k - 1], order[k]};
  }
  if (repeated) {
    LineError(file, line_numbers[repeated->second])
        .fail("\"" + utf8_text(dataset.samples[repeated->second].path) + "\" is listed twice (first on line " +
              std::to_string(line_numbers[repeated->first]) + ")");
  }
  sort_by_path(dataset);
  return dataset;
}

Dataset load_label_list(const fs::path& file) {
  std::error_code error;
  if (!fs::is_regular_file(file, error)) {
    throw Error(file.string() +
                ": not a list file; the list layout's data.root is a .csv, .tsv or .jsonl file "
                "of path,label[,split] lines");
  }
  const LabelListFormat format = label_list_format(file);
  return parse_label_list(read_regular_file_or_throw(file, kMaxListBytes), format, file);
}

}  // namespace tl
