#pragma once
// BackboneMetadata: what tl must know about a backbone file that the file itself does not say:
// the input it expects (size, colour order, normalisation, resize rule) and the feature size it
// produces. Read from the JSON beside the TorchScript file (schema of ../shared/models/*/model.json).
#include <array>
#include <filesystem>
#include <optional>
#include <string>

#include "tl/preprocessing.hpp"

namespace tl {

struct BackboneMetadata {
  std::filesystem::path source;  // the JSON it was read from
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

// Throws tl::Error naming the file and field: missing file, malformed JSON, missing or invalid field.
BackboneMetadata load_backbone_metadata(const std::filesystem::path& path);

}  // namespace tl
