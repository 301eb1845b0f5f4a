#pragma once
// BackboneMetadata: what tl must know about a backbone file that the file itself does not say:
// the input it expects (size, colour order, normalisation, resize rule) and the feature size it
// produces. Read from the JSON beside the TorchScript file (schema of ../shared/models/*/model.json),
// or given inline in the experiment config (model.metadata as a mapping) for a bring-your-own backbone.
#include <array>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "tl/config/preprocessing_options.hpp"

namespace tl {

// Every field the schema reads; a JSON file may hold more (provenance notes), a config may not.
inline constexpr std::array<const char*, 7> kBackboneMetadataFields{
    "input_size", "mean", "std", "color", "feature_dim", "resize_shorter", "interpolation"};

struct BackboneMetadata {
  std::string source;  // where it was read from, for messages: a JSON file or a config's model.metadata
  int input_height = 224;
  int input_width = 224;
  std::array<float, 3> mean{};
  std::array<float, 3> std{};
  ChannelOrder color = ChannelOrder::rgb;
  int feature_dim = 0;
  std::optional<int> resize_shorter;  // default: input size / 0.875, the usual ImageNet eval ratio
  Interpolation interpolation = Interpolation::linear;

  // image_size, when given, replaces the input size (square) and scales resize_shorter with it.
  Preprocessing preprocessing(std::optional<int> image_size = std::nullopt) const;
};

// The metadata file for a backbone when none is named: <stem>.json beside it, else model.json there.
std::filesystem::path default_metadata_path(const std::filesystem::path& backbone);

// What a user must supply for a backbone without metadata, and where; for error messages.
std::string metadata_requirements();

// Throws tl::Error naming the file and field: missing file, malformed JSON, missing or invalid field.
BackboneMetadata load_backbone_metadata(const std::filesystem::path& path);

// The same schema from an already parsed object; errors read "<field_prefix><field>: expected ...".
BackboneMetadata parse_backbone_metadata(const nlohmann::json& json, const std::string& field_prefix);

}  // namespace tl
