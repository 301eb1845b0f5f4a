#include "tl/config/backbone_metadata.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "tl/base/error.hpp"
#include "tl/base/file_bytes.hpp"
#include "tl/config/config_source.hpp"

namespace fs = std::filesystem;

namespace tl {
namespace {

constexpr double kImageNetCropRatio = 0.875;
constexpr const char* kRequiredFields =
    "tl needs input_size [H, W], mean [3], std [3], color (RGB|BGR) and feature_dim to use a backbone";
constexpr const char* kWhereToPutThem =
    ": write them in a JSON file (named by model.metadata, or <backbone stem>.json / model.json beside the "
    "backbone), or give them in the config as a mapping under model.metadata";

class MetadataFields {
 public:
  // field_prefix goes before each field name in errors: "<file>: " or "<config>: model.metadata.".
  MetadataFields(const nlohmann::json& json, std::string field_prefix)
      : json_(json), field_prefix_(std::move(field_prefix)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& expected) const {
    throw Error(field_prefix_ + field + ": expected " + expected +
                (json_.contains(field) ? ", got " + json_[field].dump() : " (missing)") + ". " + kRequiredFields);
  }

  const nlohmann::json& required(const std::string& field, const std::string& expected) const {
    if (!json_.contains(field) || json_[field].is_null()) fail(field, expected);
    return json_[field];
  }

  std::array<float, 3> triple(const std::string& field, bool positive) const {
    const std::string expected = positive ? "a list of 3 positive numbers" : "a list of 3 numbers";
    const auto& value = required(field, expected);
    if (!value.is_array() || value.size() != 3) fail(field, expected);
    std::array<float, 3> result{};
    for (size_t i = 0; i < 3; ++i) {
      if (!value[i].is_number() || (positive && value[i].get<double>() <= 0)) fail(field, expected);
      result[i] = value[i].get<float>();
    }
    return result;
  }

  const nlohmann::json& json() const { return json_; }

 private:
  const nlohmann::json& json_;
  std::string field_prefix_;
};

}  // namespace

Preprocessing BackboneMetadata::preprocessing(std::optional<int> image_size) const {
  Preprocessing result;
  result.height = image_size.value_or(input_height);
  result.width = image_size.value_or(input_width);
  const int native_shorter =
      resize_shorter.value_or(static_cast<int>(std::lround(std::min(input_height, input_width) / kImageNetCropRatio)));
  result.resize_shorter = image_size ? static_cast<int>(std::lround(native_shorter * static_cast<double>(*image_size) /
                                                                    std::min(input_height, input_width)))
                                     : native_shorter;
  result.interpolation = interpolation;
  result.mean = mean;
  result.std = std;
  result.channel_order = color;
  return result;
}

std::string metadata_requirements() { return std::string(kRequiredFields) + kWhereToPutThem; }

fs::path default_metadata_path(const fs::path& backbone) {
  fs::path beside = backbone;
  beside.replace_extension(".json");
  if (fs::exists(beside)) return beside;
  return backbone.parent_path() / "model.json";
}

BackboneMetadata load_backbone_metadata(const fs::path& path) {
  if (!fs::exists(path)) throw Error(path.string() + ": backbone metadata not found. " + metadata_requirements());
  const std::string bytes = read_regular_file_or_throw(path, kMaxConfigBytes);
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(bytes);
  } catch (const nlohmann::json::parse_error& error) {
    throw Error(path.string() + ": backbone metadata is not valid JSON: " + error.what());
  }
  if (!json.is_object()) throw Error(path.string() + ": backbone metadata must be a JSON object");
  BackboneMetadata metadata = parse_backbone_metadata(json, path.string() + ": ");
  metadata.source = path.string();
  return metadata;
}

BackboneMetadata parse_backbone_metadata(const nlohmann::json& json, const std::string& field_prefix) {
  const MetadataFields fields(json, field_prefix);

  BackboneMetadata metadata;
  const auto& size = fields.required("input_size", "[height, width] in pixels");
  if (size.is_number_integer() && size.get<int>() > 0) {
    metadata.input_height = metadata.input_width = size.get<int>();
  } else if (size.is_array() && size.size() == 2 && size[0].is_number_integer() && size[1].is_number_integer() &&
             size[0].get<int>() > 0 && size[1].get<int>() > 0) {
    metadata.input_height = size[0].get<int>();
    metadata.input_width = size[1].get<int>();
  } else {
    fields.fail("input_size", "[height, width] in pixels");
  }
  if (std::max(metadata.input_height, metadata.input_width) > kMaxInputSide) {
    fields.fail("input_size", "[height, width] of at most " + std::to_string(kMaxInputSide) + " pixels each");
  }
  metadata.mean = fields.triple("mean", false);
  metadata.std = fields.triple("std", true);
  const auto& color = fields.required("color", "\"RGB\" or \"BGR\"");
  if (color == "RGB") {
    metadata.color = ChannelOrder::rgb;
  } else if (color == "BGR") {
    metadata.color = ChannelOrder::bgr;
  } else {
    fields.fail("color", "\"RGB\" or \"BGR\"");
  }
  const auto& feature_dim = fields.required("feature_dim", "a positive integer");
  if (!feature_dim.is_number_integer() || feature_dim.get<int>() <= 0) fields.fail("feature_dim", "a positive integer");
  metadata.feature_dim = feature_dim.get<int>();
  if (json.contains("resize_shorter") && !json["resize_shorter"].is_null()) {
    const auto& shorter = json["resize_shorter"];
    if (!shorter.is_number_integer() || shorter.get<int>() < std::min(metadata.input_height, metadata.input_width) ||
        shorter.get<int>() > kMaxResizeShorter) {
      fields.fail("resize_shorter",
                  "an integer at least the input size and at most " + std::to_string(kMaxResizeShorter));
    }
    metadata.resize_shorter = shorter.get<int>();
  }
  if (json.contains("interpolation") && !json["interpolation"].is_null()) {
    const auto& name = json["interpolation"];
    if (!name.is_string()) fields.fail("interpolation", "one of linear|area|cubic|antialias");
    try {
      metadata.interpolation = parse_interpolation(name.get<std::string>());
    } catch (const Error&) {
      fields.fail("interpolation", "one of linear|area|cubic|antialias");
    }
  }
  return metadata;
}

}  // namespace tl
