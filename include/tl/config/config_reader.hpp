#pragma once
// ConfigReader: reads one object of a configuration tree against the schema its caller states in
// code, one typed getter per field. Each getter validates and records the value it settled on
// (default included) into the resolved tree, so a run can store exactly what it ran with.
// finish() rejects keys nobody asked for: a typo is an error, never a silent default.
#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tl/config/config_source.hpp"
#include "tl/config/enum_names.hpp"

namespace tl {

class ConfigReader {
 public:
  explicit ConfigReader(const ConfigSource& source);

  // A nested object; absent means empty (all its fields take their defaults).
  ConfigReader section(const std::string& key);
  // A list of objects, one reader each (errors name them "key[i].field"); absent means none.
  std::vector<ConfigReader> sections(const std::string& key);

  std::string string(const std::string& key, const std::string& fallback);
  std::string required_string(const std::string& key);
  std::string choice(const std::string& key, const std::vector<std::string>& options, const std::string& fallback);
  std::string required_choice(const std::string& key, const std::vector<std::string>& options);
  // A choice among an enum's values, spelled as name_of(value) spells them.
  template <typename Enum, size_t N>
  Enum choice(const std::string& key, const std::array<Enum, N>& options, Enum fallback) {
    return *value_named(options, choice(key, names_of(options), name_of(fallback)));
  }
  template <typename Enum, size_t N>
  Enum required_choice(const std::string& key, const std::array<Enum, N>& options) {
    return *value_named(options, required_choice(key, names_of(options)));
  }
  double number(const std::string& key, double fallback, double min, double max);
  int integer(const std::string& key, int fallback, int min, int max);
  std::optional<int> optional_integer(const std::string& key, int min, int max);
  bool boolean(const std::string& key, bool fallback);
  // A size in bytes: a non-negative integer, or text such as "20G" or "500M" (byte_size.hpp); "auto"
  // or absence is nothing.
  std::optional<int64_t> byte_size(const std::string& key);
  std::vector<int> integers(const std::string& key, const std::vector<int>& fallback, int min, int max);
  // A list of numbers in [min, max]; a single number is a list of one.
  std::vector<double> numbers(const std::string& key, const std::vector<double>& fallback, double min, double max);
  // A two-element list [low, high] with min <= low <= high <= max.
  std::vector<double> number_range(const std::string& key, const std::vector<double>& fallback, double min, double max);
  std::vector<std::string> strings(const std::string& key, const std::vector<std::string>& fallback);
  std::filesystem::path required_path(const std::string& key);
  std::optional<std::filesystem::path> optional_path(const std::string& key);
  // One path or a non-empty list of them; recorded as written (a single path stays a string).
  std::vector<std::filesystem::path> required_paths(const std::string& key);
  // A mapping whose schema lives elsewhere, taken and recorded as written; nullptr when absent.
  const nlohmann::json* mapping(const std::string& key);

  bool is_mapping(const std::string& key) const { return has(key) && (*node_)[key].is_object(); }
  // "<file>: <dotted path of key>", the prefix of every error about that key.
  std::string location(const std::string& key) const;

  bool has(const std::string& key) const;  // present and not null
  // Throws tl::Error "<file>: <path>: <message>" for the given key of this object.
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  // Throws if the object holds keys that no getter asked for. A key set to null counts as absent,
  // so --set key=null takes a config's setting away (data.val_fraction where data.val_fold replaces it).
  void finish() const;

  const nlohmann::json& resolved() const { return *resolved_root_; }

 private:
  template <typename Enum, size_t N>
  static std::vector<std::string> names_of(const std::array<Enum, N>& options) {
    std::vector<std::string> names;
    names.reserve(N);
    for (const Enum option : options) names.emplace_back(name_of(option));
    return names;
  }
  ConfigReader(const ConfigSource& source, const nlohmann::json* node, std::string path,
               std::shared_ptr<nlohmann::json> resolved_root, nlohmann::json* resolved_node);
  const nlohmann::json* lookup(const std::string& key);
  std::string dotted(const std::string& key) const;
  void record(const std::string& key, nlohmann::json value);
  [[noreturn]] void expected(const std::string& key, const std::string& what, const nlohmann::json& got) const;
  std::filesystem::path resolve_path(const std::string& key, const std::string& text) const;
  // resolve_path for a value that must be a non-empty string naming a path that survives JSON.
  std::filesystem::path checked_path(const std::string& key, const nlohmann::json& value, const std::string& what);

  const ConfigSource* source_;
  const nlohmann::json* node_;
  std::string path_;
  std::shared_ptr<nlohmann::json> resolved_root_;
  nlohmann::json* resolved_node_;  // this object's place in *resolved_root_ (std::map nodes are stable)
  std::vector<std::string> consumed_;
};

}  // namespace tl
