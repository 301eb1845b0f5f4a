#include "tl/config/config_reader.hpp"

#include <algorithm>
#include <cmath>

#include "tl/base/byte_size.hpp"
#include "tl/base/error.hpp"
#include "tl/base/utf8_text.hpp"

namespace tl {
namespace {

std::string describe(const nlohmann::json& value) {
  if (value.is_null()) return "null";
  if (value.is_string()) return "\"" + value.get<std::string>() + "\"";
  if (value.is_object()) return "a mapping";
  if (value.is_array()) return "a list " + value.dump();
  return value.dump();
}

std::string join(const std::vector<std::string>& options) {
  std::string joined;
  for (const std::string& option : options) {
    if (!joined.empty()) joined += "|";
    joined += option;
  }
  return joined;
}

std::string format_number(double value) {
  nlohmann::json number = value;
  return number.dump();
}

}  // namespace

ConfigReader::ConfigReader(const ConfigSource& source)
    : source_(&source),
      node_(&source.tree),
      resolved_root_(std::make_shared<nlohmann::json>(nlohmann::json::object())),
      resolved_node_(resolved_root_.get()) {}

ConfigReader::ConfigReader(const ConfigSource& source, const nlohmann::json* node, std::string path,
                           std::shared_ptr<nlohmann::json> resolved_root, nlohmann::json* resolved_node)
    : source_(&source),
      node_(node),
      path_(std::move(path)),
      resolved_root_(std::move(resolved_root)),
      resolved_node_(resolved_node) {}

std::string ConfigReader::dotted(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

bool ConfigReader::has(const std::string& key) const {
  return node_ != nullptr && node_->contains(key) && !(*node_)[key].is_null();
}

const nlohmann::json* ConfigReader::lookup(const std::string& key) {
  consumed_.push_back(key);
  if (!has(key)) return nullptr;
  return &(*node_)[key];
}

void ConfigReader::record(const std::string& key, nlohmann::json value) { (*resolved_node_)[key] = std::move(value); }

std::string ConfigReader::location(const std::string& key) const {
  const std::string path = dotted(key);
  const ConfigSource::Override* override = source_->override_for(path);
  if (override) return override->origin.empty() ? path : override->origin + ": " + path;
  return source_->file_label + ": " + path;
}

void ConfigReader::fail(const std::string& key, const std::string& message) const {
  throw Error(location(key) + ": " + message);
}

void ConfigReader::expected(const std::string& key, const std::string& what, const nlohmann::json& got) const {
  fail(key, "expected " + what + ", got " + describe(got));
}

ConfigReader ConfigReader::section(const std::string& key) {
  const nlohmann::json* child = lookup(key);
  if (child != nullptr && !child->is_object()) expected(key, "a mapping of settings", *child);
  nlohmann::json& resolved_child = (*resolved_node_)[key];
  resolved_child = nlohmann::json::object();
  return ConfigReader(*source_, child, dotted(key), resolved_root_, &resolved_child);
}

std::vector<ConfigReader> ConfigReader::sections(const std::string& key) {
  const nlohmann::json* list = lookup(key);
  if (list != nullptr && !list->is_array()) expected(key, "a list of mappings", *list);
  nlohmann::json& resolved_list = (*resolved_node_)[key];
  resolved_list = nlohmann::json::array();
  std::vector<ConfigReader> readers;
  if (list == nullptr) return readers;
  // Sized before any pointer into it is taken: the readers keep pointers to their elements.
  for (size_t i = 0; i < list->size(); ++i) resolved_list.push_back(nlohmann::json::object());
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string item = dotted(key) + "[" + std::to_string(i) + "]";
    if (!(*list)[i].is_object()) {
      throw Error(location(key) + "[" + std::to_string(i) + "]: expected a mapping of settings, got " +
                  describe((*list)[i]));
    }
    readers.push_back(ConfigReader(*source_, &(*list)[i], item, resolved_root_, &resolved_list[i]));
  }
  return readers;
}

std::string ConfigReader::string(const std::string& key, const std::string& fallback) {
  const nlohmann::json* value = lookup(key);
  std::string result = fallback;
  if (value != nullptr) {
    if (!value->is_string()) expected(key, "a string", *value);
    result = value->get<std::string>();
  }
  record(key, result);
  return result;
}

std::optional<int64_t> ConfigReader::byte_size(const std::string& key) {
  const nlohmann::json* value = lookup(key);
  std::optional<int64_t> result;
  if (value != nullptr && !(value->is_string() && value->get<std::string>() == "auto")) {
    const char* what = "a size in bytes such as 20G, 500M or 1000000, or auto";
    if (value->is_number_integer() && value->get<int64_t>() >= 0) {
      result = value->get<int64_t>();
    } else if (value->is_string()) {
      result = parse_byte_size(value->get<std::string>());
      if (!result) expected(key, what, *value);
    } else {
      expected(key, what, *value);
    }
  }
  record(key, result ? nlohmann::json(*result) : nlohmann::json("auto"));
  return result;
}

std::string ConfigReader::required_string(const std::string& key) {
  if (!has(key)) fail(key, "required, expected a string");
  return string(key, "");
}

std::string ConfigReader::choice(const std::string& key, const std::vector<std::string>& options,
                                 const std::string& fallback) {
  const nlohmann::json* value = lookup(key);
  std::string result = fallback;
  if (value != nullptr) {
    const bool known = value->is_string() &&
                       std::any_of(options.begin(), options.end(),
                                   [&](const std::string& option) { return value->get<std::string>() == option; });
    if (!known) expected(key, "one of " + join(options), *value);
    result = value->get<std::string>();
  }
  record(key, result);
  return result;
}

std::string ConfigReader::required_choice(const std::string& key, const std::vector<std::string>& options) {
  if (!has(key)) fail(key, "required, expected one of " + join(options));
  return choice(key, options, "");
}

double ConfigReader::number(const std::string& key, double fallback, double min, double max) {
  const nlohmann::json* value = lookup(key);
  double result = fallback;
  if (value != nullptr) {
    if (!value->is_number()) expected(key, "a number", *value);
    result = value->get<double>();
    if (!std::isfinite(result) || result < min || result > max) {
      expected(key, "a number in [" + format_number(min) + ", " + format_number(max) + "]", *value);
    }
  }
  record(key, result);
  return result;
}

int ConfigReader::integer(const std::string& key, int fallback, int min, int max) {
  const std::optional<int> value = optional_integer(key, min, max);
  const int result = value.value_or(fallback);
  record(key, result);
  return result;
}

std::optional<int> ConfigReader::optional_integer(const std::string& key, int min, int max) {
  const nlohmann::json* value = lookup(key);
  if (value == nullptr) {
    record(key, nullptr);
    return std::nullopt;
  }
  const std::string range = "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (!value->is_number_integer()) expected(key, range, *value);
  const long long result = value->get<long long>();
  if (result < min || result > max) expected(key, range, *value);
  record(key, result);
  return static_cast<int>(result);
}

bool ConfigReader::boolean(const std::string& key, bool fallback) {
  const nlohmann::json* value = lookup(key);
  bool result = fallback;
  if (value != nullptr) {
    if (!value->is_boolean()) expected(key, "true or false", *value);
    result = value->get<bool>();
  }
  record(key, result);
  return result;
}

std::vector<int> ConfigReader::integers(const std::string& key, const std::vector<int>& fallback, int min, int max) {
  const nlohmann::json* value = lookup(key);
  std::vector<int> result = fallback;
  if (value != nullptr) {
    const std::string what = "a list of integers in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
    if (!value->is_array()) expected(key, what, *value);
    result.clear();
    for (const auto& item : *value) {
      if (!item.is_number_integer() || item.get<long long>() < min || item.get<long long>() > max) {
        expected(key, what, *value);
      }
      result.push_back(item.get<int>());
    }
  }
  record(key, result);
  return result;
}

std::vector<double> ConfigReader::numbers(const std::string& key, const std::vector<double>& fallback, double min,
                                          double max) {
  const nlohmann::json* value = lookup(key);
  std::vector<double> result = fallback;
  if (value != nullptr) {
    const std::string what =
        "a number or a non-empty list of numbers in [" + format_number(min) + ", " + format_number(max) + "]";
    const nlohmann::json list = value->is_array() ? *value : nlohmann::json::array({*value});
    if (list.empty()) expected(key, what, *value);
    result.clear();
    for (const auto& item : list) {
      if (!item.is_number() || !std::isfinite(item.get<double>()) || item.get<double>() < min ||
          item.get<double>() > max) {
        expected(key, what, *value);
      }
      result.push_back(item.get<double>());
    }
  }
  record(key, result);
  return result;
}

std::vector<double> ConfigReader::number_range(const std::string& key, const std::vector<double>& fallback, double min,
                                               double max) {
  const nlohmann::json* value = lookup(key);
  std::vector<double> result = fallback;
  if (value != nullptr) {
    const std::string what = "[low, high] with " + format_number(min) + " <= low <= high <= " + format_number(max);
    if (!value->is_array() || value->size() != 2) expected(key, what, *value);
    result.clear();
    for (const auto& item : *value) {
      if (!item.is_number() || item.get<double>() < min || item.get<double>() > max) expected(key, what, *value);
      result.push_back(item.get<double>());
    }
    if (result[0] > result[1]) expected(key, what, *value);
  }
  record(key, result);
  return result;
}

std::vector<std::string> ConfigReader::strings(const std::string& key, const std::vector<std::string>& fallback) {
  const nlohmann::json* value = lookup(key);
  std::vector<std::string> result = fallback;
  if (value != nullptr) {
    if (!value->is_array()) expected(key, "a list of strings", *value);
    result.clear();
    for (const auto& item : *value) {
      if (!item.is_string() || item.get<std::string>().empty()) expected(key, "a list of non-empty strings", *value);
      result.push_back(item.get<std::string>());
    }
  }
  record(key, result);
  return result;
}

std::filesystem::path ConfigReader::resolve_path(const std::string& key, const std::string& text) const {
  const std::filesystem::path given(text);
  if (given.is_absolute()) return given.lexically_normal();
  const ConfigSource::Override* override = source_->override_for(dotted(key));
  const std::filesystem::path& base = override ? override->base_directory : source_->base_directory;
  return (base / given).lexically_normal();
}

std::filesystem::path ConfigReader::required_path(const std::string& key) {
  const std::optional<std::filesystem::path> path = optional_path(key);
  if (!path) fail(key, "required, expected a path");
  return *path;
}

std::filesystem::path ConfigReader::checked_path(const std::string& key, const nlohmann::json& value,
                                                 const std::string& what) {
  if (!value.is_string() || value.get<std::string>().empty()) expected(key, what, value);
  std::filesystem::path resolved = resolve_path(key, value.get<std::string>());
  // Runs record their paths in JSON and read them back (tl-eval, --resume), so a path must survive
  // that unchanged; a folder name in another encoding is refused here rather than altered.
  if (!is_valid_utf8(resolved.native())) {
    fail(key, "resolves to " + path_text(resolved) + ", which is not UTF-8; rename the folder or move the config");
  }
  return resolved;
}

std::optional<std::filesystem::path> ConfigReader::optional_path(const std::string& key) {
  const nlohmann::json* value = lookup(key);
  if (value == nullptr) {
    record(key, nullptr);
    return std::nullopt;
  }
  std::filesystem::path resolved = checked_path(key, *value, "a path");
  record(key, resolved.string());
  return resolved;
}

std::vector<std::filesystem::path> ConfigReader::required_paths(const std::string& key) {
  const nlohmann::json* value = lookup(key);
  if (value == nullptr) fail(key, "required, expected a path or a list of paths");
  if (!value->is_array()) {
    std::filesystem::path resolved = checked_path(key, *value, "a path or a list of paths");
    record(key, resolved.string());
    return {resolved};
  }
  if (value->empty()) expected(key, "a path or a non-empty list of paths", *value);
  std::vector<std::filesystem::path> paths;
  nlohmann::json recorded = nlohmann::json::array();
  for (const auto& item : *value) {
    paths.push_back(checked_path(key, item, "a list of paths"));
    recorded.push_back(paths.back().string());
  }
  record(key, recorded);
  return paths;
}

const nlohmann::json* ConfigReader::mapping(const std::string& key) {
  const nlohmann::json* value = lookup(key);
  if (value == nullptr) return nullptr;
  if (!value->is_object()) expected(key, "a mapping of settings", *value);
  record(key, *value);
  return value;
}

void ConfigReader::finish() const {
  if (node_ == nullptr) return;
  for (const auto& [key, value] : node_->items()) {
    if (value.is_null() || std::find(consumed_.begin(), consumed_.end(), key) != consumed_.end()) continue;
    std::string known;
    for (const auto& name : consumed_) known += (known.empty() ? "" : ", ") + name;
    fail(key, "unknown key (known keys here: " + known + ")");
  }
}

}  // namespace tl
