#include "tl/run/heat_map.hpp"

#include "tl/base/error.hpp"
#include "tl/run/recorded_fields.hpp"

namespace tl {

nlohmann::json to_json(const HeatMap& map) {
  return {{"rows", map.rows}, {"cols", map.cols}, {"region", map.region}, {"values", map.values}};
}

HeatMap heat_map_from_json(const RecordedFields& fields) {
  HeatMap map;
  map.rows = fields.integer("rows");
  map.cols = fields.integer("cols");
  constexpr int kLargestSide = 4096;
  if (map.rows < 1 || map.cols < 1 || map.rows > kLargestSide || map.cols > kLargestSide) {
    throw Error(fields.where("rows") + ": expected a grid of 1 to " + std::to_string(kLargestSide) + " cells a side");
  }
  const nlohmann::json& values = fields.array("values");
  if (values.size() != static_cast<size_t>(map.rows) * static_cast<size_t>(map.cols)) {
    throw Error(fields.where("values") + ": expected rows x cols = " + std::to_string(map.rows * map.cols) +
                " numbers");
  }
  for (const auto& value : values) {
    if (!value.is_number() || value.get<double>() < 0.0 || value.get<double>() > 1.0) {
      throw Error(fields.where("values") + ": expected numbers in [0, 1]");
    }
    map.values.push_back(value.get<float>());
  }
  const nlohmann::json& region = fields.array("region");
  if (region.size() != 4) throw Error(fields.where("region") + ": expected [left, top, width, height]");
  for (size_t i = 0; i < 4; ++i) {
    if (!region[i].is_number() || region[i].get<double>() < 0.0 || region[i].get<double>() > 1.0) {
      throw Error(fields.where("region") + ": expected fractions of the photo in [0, 1]");
    }
    map.region[i] = region[i].get<double>();
  }
  return map;
}

}  // namespace tl
