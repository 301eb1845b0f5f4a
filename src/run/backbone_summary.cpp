#include "tl/run/backbone_summary.hpp"

#include "tl/base/error.hpp"

namespace tl {
namespace {

const nlohmann::json& field(const nlohmann::json& recorded, const std::string& where, const char* name, bool integer) {
  const auto found = recorded.find(name);
  if (found == recorded.end() || (integer ? !found->is_number_integer() : !found->is_string())) {
    throw Error(where + "." + name + ": missing, or not " + (integer ? "an integer" : "a string"));
  }
  return *found;
}

BackboneSummary::Part part_from_json(const nlohmann::json& recorded, const std::string& where) {
  if (!recorded.is_object()) throw Error(where + ": expected an object with path, sha256 and feature_dim");
  return {field(recorded, where, "path", false).get<std::string>(),
          field(recorded, where, "sha256", false).get<std::string>(),
          field(recorded, where, "feature_dim", true).get<int>()};
}

nlohmann::json part_to_json(const BackboneSummary::Part& part) {
  return {{"path", part.path}, {"sha256", part.sha256}, {"feature_dim", part.feature_dim}};
}

}  // namespace

int BackboneSummary::feature_dim() const {
  int total = 0;
  for (const Part& part : parts) total += part.feature_dim;
  return total;
}

nlohmann::json BackboneSummary::to_json() const {
  if (parts.size() == 1) return part_to_json(parts[0]);
  nlohmann::json concatenated = nlohmann::json::array();
  for (const Part& part : parts) concatenated.push_back(part_to_json(part));
  return {{"feature_dim", feature_dim()}, {"concatenated", concatenated}};
}

BackboneSummary BackboneSummary::from_json(const nlohmann::json& recorded, const std::string& where) {
  BackboneSummary record;
  if (recorded.is_object() && recorded.contains("concatenated")) {
    const nlohmann::json& concatenated = recorded["concatenated"];
    if (!concatenated.is_array() || concatenated.empty()) {
      throw Error(where + ".concatenated: expected a list of the backbones");
    }
    for (size_t i = 0; i < concatenated.size(); ++i) {
      record.parts.push_back(part_from_json(concatenated[i], where + ".concatenated[" + std::to_string(i) + "]"));
    }
  } else {
    record.parts.push_back(part_from_json(recorded, where));
  }
  return record;
}

}  // namespace tl
