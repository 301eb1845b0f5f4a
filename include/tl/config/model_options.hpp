#pragma once
// The network: a backbone file with its metadata, and the head trained on its features.
#include <array>
#include <filesystem>
#include <optional>
#include <vector>

#include "tl/config/backbone_metadata.hpp"

namespace tl {

enum class HeadType { linear, mlp };
inline constexpr std::array kHeadTypes{HeadType::linear, HeadType::mlp};
const char* name_of(HeadType type);

struct HeadConfig {
  HeadType type = HeadType::linear;
  std::vector<int> hidden{512};  // mlp only
  double dropout = 0.0;
};

struct ModelConfig {
  std::filesystem::path backbone;
  // model.metadata is either a JSON file (default: <backbone stem>.json or model.json beside the
  // backbone) or the fields themselves, for a backbone that comes without tl's JSON.
  std::optional<std::filesystem::path> metadata;
  std::optional<BackboneMetadata> inline_metadata;
  HeadConfig head;
};

}  // namespace tl
