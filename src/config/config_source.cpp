#include "tl/config/config_source.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "tl/base/error.hpp"
#include "tl/base/file_bytes.hpp"
#include "tl/base/utf8_text.hpp"

namespace tl {
namespace {

nlohmann::json scalar_to_json(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  // Quoted scalars are strings whatever they look like; YAML's tag says so.
  if (node.Tag() == "!") return text;
  if (text == "null" || text == "~" || text.empty()) return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  try {
    size_t used = 0;
    long long integer = std::stoll(text, &used, 10);
    if (used == text.size()) return integer;
  } catch (const std::exception&) {
  }
  try {
    size_t used = 0;
    double real = std::stod(text, &used);
    if (used == text.size()) return real;
  } catch (const std::exception&) {
  }
  return text;
}

// YAML aliases share one node however often they are used, so a few hundred bytes can name
// billions of values ("billion laughs"); the conversion to JSON copies each use, so it is bounded.
class YamlExpansion {
 public:
  explicit YamlExpansion(const std::string& file_label) : file_label_(file_label) {}

  nlohmann::json convert(const YAML::Node& node, int depth = 0) {
    if (++values_ > kMaxConfigValues) {
      throw Error(file_label_ + ": expands to more than " + std::to_string(kMaxConfigValues) +
                  " values (YAML aliases repeating a large node?); a config is a few dozen settings");
    }
    if (depth > kMaxConfigDepth) {
      throw Error(file_label_ + ": nested deeper than " + std::to_string(kMaxConfigDepth) + " levels");
    }
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined: return nullptr;
      case YAML::NodeType::Scalar: return scalar_to_json(node);
      case YAML::NodeType::Sequence: {
        nlohmann::json array = nlohmann::json::array();
        for (const auto& item : node) array.push_back(convert(item, depth + 1));
        return array;
      }
      case YAML::NodeType::Map: {
        nlohmann::json object = nlohmann::json::object();
        for (const auto& entry : node) {
          const std::string key = entry.first.as<std::string>();
          if (object.contains(key)) {
            throw Error(file_label_ + ": line " + std::to_string(entry.first.Mark().line + 1) + ": duplicate key \"" +
                        key + "\"");
          }
          object[key] = convert(entry.second, depth + 1);
        }
        return object;
      }
    }
    return nullptr;
  }

 private:
  const std::string& file_label_;
  size_t values_ = 0;
};

// YAML and JSON are Unicode text. A binary file or a Latin-1 one is refused by position before a
// parser sees it, so no error message echoes raw bytes to the terminal.
void require_text(const std::string& text, const std::string& label) {
  const bool one_line = text.find('\n') == std::string::npos;  // a --set value
  const auto line_of = [&](size_t offset) {
    return one_line ? std::string()
                    : "line " +
                          std::to_string(
                              1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n')) +
                          ": ";
  };
  if (const size_t offset = first_invalid_utf8(text); offset != std::string::npos) {
    throw Error(label + ": " + line_of(offset) + "byte " + std::to_string(offset) + " is not UTF-8 text");
  }
  const auto control = std::find_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
  });
  if (control != text.end()) {
    const auto offset = static_cast<size_t>(control - text.begin());
    char code[8];
    std::snprintf(code, sizeof code, "0x%02x", static_cast<unsigned char>(*control));
    throw Error(label + ": " + line_of(offset) + "control character " + code + " (a config is plain text)");
  }
}

// As strict as the YAML reader: a duplicate key is an error (nlohmann would keep the last one), and
// so is nesting beyond kMaxConfigDepth; every parse error names the file.
nlohmann::json parse_json_config(const std::string& text, const std::string& label) {
  std::vector<std::set<std::string>> keys_in_open_objects;
  const auto check = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (depth > kMaxConfigDepth)
      throw Error(label + ": nested deeper than " + std::to_string(kMaxConfigDepth) + " levels");
    if (event == Event::object_start) keys_in_open_objects.emplace_back();
    if (event == Event::object_end) keys_in_open_objects.pop_back();
    if (event == Event::key && !keys_in_open_objects.back().insert(parsed.get<std::string>()).second) {
      throw Error(label + ": duplicate key \"" + parsed.get<std::string>() + "\"");
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text, check);
  } catch (const nlohmann::json::exception& error) {
    throw Error(label + ": invalid JSON: " + error.what());
  }
}

bool is_yaml(const std::filesystem::path& path) {
  const std::string extension = path.extension().string();
  return extension == ".yaml" || extension == ".yml";
}

}  // namespace

nlohmann::json yaml_to_json(const std::string& yaml_text, const std::string& file_label) {
  require_text(yaml_text, file_label);
  try {
    return YamlExpansion(file_label).convert(YAML::Load(yaml_text));
  } catch (const YAML::Exception& error) {
    throw Error(file_label + ": line " + std::to_string(error.mark.line + 1) + ": invalid YAML: " + error.msg);
  }
}

ConfigSource ConfigSource::from_file(const std::filesystem::path& path) {
  const std::string label = path.string();
  const std::string extension = path.extension().string();
  if (!is_yaml(path) && extension != ".json") {
    throw Error(label + ": expected a .json, .yaml or .yml config file");
  }
  const BoundedRead file = read_regular_file(path, kMaxConfigBytes);
  if (!file.bytes) throw Error(label + ": " + (file.missing ? "cannot open config file" : file.error));
  return from_text(*file.bytes, is_yaml(path) ? ConfigFormat::yaml : ConfigFormat::json, label,
                   std::filesystem::absolute(path).parent_path());
}

ConfigSource ConfigSource::from_text(const std::string& text, ConfigFormat format, const std::string& label,
                                     const std::filesystem::path& base_directory) {
  nlohmann::json tree;
  if (format == ConfigFormat::yaml) {
    tree = yaml_to_json(text, label);
  } else {
    require_text(text, label);
    tree = parse_json_config(text, label);
  }
  if (tree.is_null()) tree = nlohmann::json::object();
  if (!tree.is_object()) throw Error(label + ": expected a mapping of settings at the top level");
  return from_json(std::move(tree), label, base_directory);
}

ConfigSource ConfigSource::from_json(nlohmann::json tree, std::string file_label,
                                     std::filesystem::path base_directory) {
  ConfigSource source;
  source.tree = std::move(tree);
  source.file_label = std::move(file_label);
  source.base_directory = std::move(base_directory);
  return source;
}

void ConfigSource::apply_override(const std::string& assignment) {
  const auto equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0) {
    throw Error("--set " + assignment + ": expected key.path=value");
  }
  const std::string key = assignment.substr(0, equals);
  // Read as YAML, nothing would be null and quietly restore the default; say null for that.
  if (equals + 1 == assignment.size()) throw Error("--set " + assignment + ": expected a value after '='");
  set(key, yaml_to_json(assignment.substr(equals + 1), "--set " + key), "--set " + assignment,
      std::filesystem::current_path());
}

void ConfigSource::set(const std::string& key, nlohmann::json value, const std::string& origin,
                       const std::filesystem::path& base_directory) {
  const std::string label = origin.empty() ? key : origin;
  nlohmann::json* node = &tree;
  std::stringstream parts(key);
  std::string part;
  std::vector<std::string> names;
  while (std::getline(parts, part, '.')) {
    if (part.empty()) throw Error(label + ": empty name in key path \"" + key + "\"");
    names.push_back(part);
  }
  if (names.empty()) throw Error(label + ": empty key path");
  for (size_t i = 0; i + 1 < names.size(); ++i) {
    nlohmann::json& child = (*node)[names[i]];
    if (child.is_null()) child = nlohmann::json::object();
    if (!child.is_object()) throw Error(label + ": " + names[i] + " is not a section");
    node = &child;
  }
  (*node)[names.back()] = std::move(value);
  overrides[key] = {origin, base_directory};
}

const ConfigSource::Override* ConfigSource::override_for(const std::string& dotted_key) const {
  for (std::string key = dotted_key;;) {
    if (const auto found = overrides.find(key); found != overrides.end()) return &found->second;
    const auto dot = key.rfind('.');
    if (dot == std::string::npos) return nullptr;
    key.erase(dot);
  }
}

}  // namespace tl
