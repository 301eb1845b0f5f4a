#include "tl/sweep/sweep.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tl/base/error.hpp"
#include "tl/config/config_reader.hpp"
#include "tl/config/directory_name.hpp"

namespace fs = std::filesystem;

namespace tl {
namespace {

bool is_sweep_metric(const std::string& metric) {
  return std::find(kSweepMetrics.begin(), kSweepMetrics.end(), metric) != kSweepMetrics.end();
}

std::string sanitized(const std::string& text) {
  std::string result;
  for (char c : text) result += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_';
  return result;
}

bool distinct(const std::vector<std::string>& names) {
  return std::set<std::string>(names.begin(), names.end()).size() == names.size();
}

bool all_strings(const nlohmann::json& values) {
  return std::all_of(values.begin(), values.end(), [](const nlohmann::json& value) { return value.is_string(); });
}

// Each path among a grid key's values (alone or in a list, as with several backbones), named by its
// file stem, or by its folder when the stems alone would not tell the paths apart
// (.../mobilenet_v2/backbone.pt, .../mobilenet_v1/backbone.pt).
std::map<std::string, std::string> path_names(const nlohmann::json& values) {
  std::set<std::string> paths;
  for (const auto& value : values) {
    if (value.is_string()) paths.insert(value.get<std::string>());
    if (value.is_array() && all_strings(value)) {
      for (const auto& item : value) paths.insert(item.get<std::string>());
    }
  }
  std::vector<std::string> stems, folders;
  for (const auto& text : paths) {
    const fs::path path(text);
    stems.push_back(sanitized(path.has_stem() ? path.stem().string() : text));
    folders.push_back(sanitized(path.parent_path().filename().string()));
  }
  const auto& chosen = !distinct(stems) && distinct(folders) ? folders : stems;
  std::map<std::string, std::string> names;
  size_t index = 0;
  for (const auto& text : paths) names[text] = chosen[index++];
  return names;
}

// A short readable token for each value of a grid key: a path as path_names says, a list of paths
// by its members' names joined, other lists by their items (512x256). Values that the tokens would
// not tell apart are numbered instead.
std::vector<std::string> value_tokens(const nlohmann::json& values) {
  const auto names = path_names(values);
  std::vector<std::string> tokens;
  for (const auto& value : values) {
    if (value.is_string()) {
      tokens.push_back(names.at(value.get<std::string>()));
    } else if (value.is_array() && all_strings(value)) {
      std::string token;
      for (const auto& item : value) token += (token.empty() ? "" : "_and_") + names.at(item.get<std::string>());
      tokens.push_back(token);
    } else if (value.is_array()) {
      std::string token;
      for (const auto& item : value) token += (token.empty() ? "" : "x") + sanitized(item.dump());
      tokens.push_back(token);
    } else {
      tokens.push_back(sanitized(value.dump()));
    }
  }
  if (!distinct(tokens)) {
    for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = std::to_string(i + 1);
  }
  return tokens;
}

// The last part of each dotted key, or the whole key where two keys end alike.
std::map<std::string, std::string> short_key_names(const std::vector<std::string>& keys) {
  std::map<std::string, int> uses;
  const auto last_part = [](const std::string& key) { return key.substr(key.rfind('.') + 1); };
  for (const auto& key : keys) ++uses[last_part(key)];
  std::map<std::string, std::string> names;
  for (const auto& key : keys) names[key] = sanitized(uses[last_part(key)] > 1 ? key : last_part(key));
  return names;
}

std::vector<Gate> read_gates(ConfigReader& reader, const std::string& key) {
  std::vector<Gate> gates;
  const nlohmann::json* thresholds = reader.mapping(key);
  if (thresholds == nullptr) return gates;
  for (const auto& [metric, minimum] : thresholds->items()) {
    if (!is_sweep_metric(metric) || metric == "val_loss") {
      reader.fail(key + "." + metric, "expected one of top1|mean_per_class|val_accuracy");
    }
    if (!minimum.is_number()) reader.fail(key + "." + metric, "expected a number, got " + minimum.dump());
    gates.push_back({metric, minimum.get<double>(), reader.location(key)});
  }
  return gates;
}

// A mapping of dotted config keys to values, as `set:` holds them.
std::vector<std::pair<std::string, nlohmann::json>> read_assignments(ConfigReader& reader, const std::string& key) {
  std::vector<std::pair<std::string, nlohmann::json>> assignments;
  const nlohmann::json* values = reader.mapping(key);
  if (values == nullptr) return assignments;
  for (const auto& [dotted, value] : values->items()) assignments.emplace_back(dotted, value);
  return assignments;
}

// Grid: every combination of the listed values, the last key varying fastest.
void read_grid(ConfigReader& reader, Sweep& sweep) {
  std::vector<std::vector<std::pair<std::string, nlohmann::json>>> combinations{{}};
  std::vector<std::vector<std::string>> combination_tokens{{}};
  if (const nlohmann::json* grid = reader.mapping("grid")) {
    std::vector<std::string> keys;
    size_t grid_variants = 1;  // counted before anything is expanded, saturating
    for (const auto& [key, values] : grid->items()) {
      keys.push_back(key);
      const size_t count = values.is_array() ? values.size() : 1;
      grid_variants =
          count == 0 || grid_variants <= kMaxSweepVariants / count ? grid_variants * count : kMaxSweepVariants + 1;
    }
    if (grid_variants > kMaxSweepVariants) {
      reader.fail("grid", "more than " + std::to_string(kMaxSweepVariants) +
                              " combinations of values; split the sweep, or list the variants that matter");
    }
    const auto short_names = short_key_names(keys);
    for (const auto& [key, values] : grid->items()) {
      if (!values.is_array() || values.empty()) reader.fail("grid." + key, "expected a non-empty list of values");
      sweep.varied_keys.push_back(key);
      const auto tokens = value_tokens(values);
      std::vector<std::vector<std::pair<std::string, nlohmann::json>>> expanded;
      std::vector<std::vector<std::string>> expanded_tokens;
      for (size_t c = 0; c < combinations.size(); ++c) {
        for (size_t v = 0; v < values.size(); ++v) {
          expanded.push_back(combinations[c]);
          expanded.back().emplace_back(key, values[v]);
          expanded_tokens.push_back(combination_tokens[c]);
          expanded_tokens.back().push_back(short_names.at(key) + "-" + tokens[v]);
        }
      }
      combinations = std::move(expanded);
      combination_tokens = std::move(expanded_tokens);
    }
    for (size_t c = 0; c < combinations.size(); ++c) {
      SweepVariant variant;
      for (const auto& token : combination_tokens[c]) variant.name += (variant.name.empty() ? "" : "__") + token;
      variant.values = combinations[c];
      sweep.variants.push_back(std::move(variant));
    }
  }
}

// Each variant becomes its recipe's runs: itself, or one per validation fold.
void expand_folds(Sweep& sweep) {
  for (auto& variant : sweep.variants) variant.recipe = variant.name;
  if (sweep.folds < 2) return;
  std::vector<SweepVariant> fold_runs;
  fold_runs.reserve(sweep.variants.size() * static_cast<size_t>(sweep.folds));
  for (const auto& variant : sweep.variants) {
    for (int fold = 0; fold < sweep.folds; ++fold) {
      SweepVariant& run = fold_runs.emplace_back(variant);
      run.name = variant.name + "__fold-" + std::to_string(fold);
      run.fold = fold;
    }
  }
  sweep.variants = std::move(fold_runs);
}

}  // namespace

Gate parse_gate(const std::string& text, const std::string& origin) {
  const auto equals = text.find('=');
  const std::string metric = text.substr(0, equals);
  if (equals == std::string::npos || !is_sweep_metric(metric) || metric == "val_loss") {
    throw Error(origin + " " + text + ": expected METRIC=VALUE with METRIC one of top1|mean_per_class|val_accuracy");
  }
  try {
    size_t used = 0;
    const double minimum = std::stod(text.substr(equals + 1), &used);
    if (used != text.size() - equals - 1) throw std::invalid_argument("trailing text");
    return {metric, minimum, origin};
  } catch (const std::exception&) {
    throw Error(origin + " " + text + ": expected a number after '='");
  }
}

Sweep load_sweep(const fs::path& file, const std::optional<fs::path>& directory) {
  const ConfigSource source = ConfigSource::from_file(file);
  ConfigReader reader(source);
  Sweep sweep;
  sweep.file = file;
  sweep.name = reader.string("name", file.stem().string());
  if (const auto problem = directory_name_problem(sweep.name, "the sweep directory")) reader.fail("name", *problem);
  const fs::path base = reader.required_path("base");
  sweep.directory = reader.optional_path("dir").value_or((fs::current_path() / "runs" / sweep.name).lexically_normal());
  if (directory) sweep.directory = fs::absolute(*directory).lexically_normal();
  sweep.split = reader.choice("split", {"val", "test"}, sweep.split);
  sweep.folds = reader.integer("folds", sweep.folds, 0, 100);
  if (sweep.folds == 1) {
    reader.fail("folds", "one fold holds no images out: give 0 (one run per variant) or at least 2");
  }
  sweep.metric = reader.choice("metric", {"top1", "mean_per_class", "val_accuracy", "val_loss"},
                               sweep.folds == 0 ? sweep.metric : "val_accuracy");
  sweep.gates = read_gates(reader, "fail_under");
  const auto common = read_assignments(reader, "set");

  read_grid(reader, sweep);

  for (ConfigReader item : reader.sections("variants")) {
    SweepVariant variant;
    variant.name = item.required_string("name");
    if (const auto problem = directory_name_problem(variant.name, "the run directory")) item.fail("name", *problem);
    variant.values = read_assignments(item, "set");
    variant.gates = read_gates(item, "fail_under");
    item.finish();
    for (const auto& [key, value] : variant.values) {
      if (std::find(sweep.varied_keys.begin(), sweep.varied_keys.end(), key) == sweep.varied_keys.end()) {
        sweep.varied_keys.push_back(key);
      }
    }
    sweep.variants.push_back(std::move(variant));
  }
  reader.finish();
  if (sweep.variants.empty()) reader.fail("grid", "a sweep needs a grid or a list of variants");
  const size_t runs = sweep.variants.size() * static_cast<size_t>(std::max(1, sweep.folds));
  if (runs > kMaxSweepVariants) {
    reader.fail(sweep.folds == 0 ? "variants" : "folds", std::to_string(runs) + " runs, more than the " +
                                                             std::to_string(kMaxSweepVariants) + " a sweep may hold");
  }
  expand_folds(sweep);

  std::set<std::string> names;
  for (auto& variant : sweep.variants) {
    if (!names.insert(variant.name).second) {
      throw Error(source.file_label + ": two variants are named \"" + variant.name + "\"");
    }
    try {
      ConfigSource config = ConfigSource::from_file(base);
      // No origin: the error is already prefixed with the sweep file and the variant.
      for (const auto& [key, value] : common) config.set(key, value, "", source.base_directory);
      for (const auto& [key, value] : variant.values) config.set(key, value, "", source.base_directory);
      if (variant.fold >= 0) {
        // The folds replace whatever validation split the base config or the variant chose.
        config.set("data.val_fraction", nullptr, "", source.base_directory);
        config.set("data.val_fold", {{"index", variant.fold}, {"of", sweep.folds}}, "", source.base_directory);
      }
      config.set("name", variant.name, "", source.base_directory);
      config.set("output.dir", (sweep.directory / variant.name).string(), "", source.base_directory);
      variant.experiment = load_experiment(config);
    } catch (const Error& error) {
      throw Error(source.file_label + ": variant " + variant.name + ": " + error.what());
    }
  }
  return sweep;
}

}  // namespace tl
