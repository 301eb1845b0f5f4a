#pragma once
// The backbones a run was trained on, as its summary.json records them, written by the trainer and
// read back by the report and tl-info through this one type. One backbone is recorded as
// {path, sha256, feature_dim}; several as {feature_dim, concatenated: [each of them]}, in the order
// their features are concatenated.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tl {

struct BackboneSummary {
  struct Part {
    std::string path;
    std::string sha256;
    int feature_dim = 0;
  };
  std::vector<Part> parts;
  int feature_dim() const;  // of all parts together

  nlohmann::json to_json() const;
  // Throws tl::Error naming the field that is missing or of the wrong type; `where` names the
  // record itself, e.g. "run/summary.json: backbone".
  static BackboneSummary from_json(const nlohmann::json& recorded, const std::string& where = "backbone");
};

}  // namespace tl
