#pragma once
// ConfigSource: a configuration document as read from a JSON or YAML file, before validation.
// YAML is converted into the same JSON tree, so both formats share one schema. `--set a.b=value`
// overrides are applied to the tree before validation, so they are checked like everything else.
#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace tl {

// Bounds on a config document, far above any real experiment or sweep, so that a hostile file is
// an error rather than gigabytes of memory or a stack overflow.
constexpr size_t kMaxConfigBytes = 1 << 20;
constexpr size_t kMaxConfigValues = 100000;  // after YAML aliases are expanded
constexpr int kMaxConfigDepth = 64;

enum class ConfigFormat { yaml, json };

struct ConfigSource {
  std::string file_label;                // how errors name the document (the file path as given)
  std::filesystem::path base_directory;  // relative paths in the file resolve against this
  nlohmann::json tree = nlohmann::json::object();
  // A value set from outside the file: errors about it name where it came from ("--set
  // train.epochs=abc", a sweep variant), and its relative paths resolve against base_directory
  // (the cwd for --set, a sweep file's folder for its values).
  struct Override {
    std::string origin;
    std::filesystem::path base_directory;
  };
  std::map<std::string, Override> overrides;  // by dotted key

  // The override that set `dotted_key` or a section holding it, if any.
  const Override* override_for(const std::string& dotted_key) const;

  // Reads a .json, .yaml or .yml file. Throws tl::Error naming the file on I/O or syntax errors.
  static ConfigSource from_file(const std::filesystem::path& path);
  // The same from a document's text; `label` names it in errors.
  static ConfigSource from_text(const std::string& text, ConfigFormat format, const std::string& label,
                                const std::filesystem::path& base_directory);
  static ConfigSource from_json(nlohmann::json tree, std::string file_label, std::filesystem::path base_directory);

  // Applies "a.b.c=value"; the value is read as a YAML scalar or flow sequence ("0.1", "true", "[64, 32]").
  void apply_override(const std::string& assignment);
  // Sets a dotted key to a value; `origin` names where it came from in errors about it (empty when
  // the caller's own error prefix says so).
  void set(const std::string& key, nlohmann::json value, const std::string& origin,
           const std::filesystem::path& base_directory);
};

// Converts a YAML document into the JSON tree tl validates. Scalars keep YAML's typing rules
// (quoted strings stay strings; unquoted numbers and booleans become numbers and booleans).
nlohmann::json yaml_to_json(const std::string& yaml_text, const std::string& file_label);

}  // namespace tl
