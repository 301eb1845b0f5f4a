#pragma once
// HeatMap: where a classifier looked in one photo for one class (a class activation map), as a run's
// files keep it: the grid of a backbone block (7 x 7 for a 224-pixel MobileNet), values scaled so the
// strongest cell is 1, and the part of the photo the model saw, so a report can draw it over a
// thumbnail of the photo without the model.
#include <array>
#include <vector>

#include <nlohmann/json.hpp>

namespace tl {

class RecordedFields;

struct HeatMap {
  int rows = 0, cols = 0;
  std::vector<float> values;                         // rows x cols, row-major, in [0, 1]
  std::array<double, 4> region{0.0, 0.0, 1.0, 1.0};  // left, top, width, height: fractions of the photo
};

nlohmann::json to_json(const HeatMap& map);
// tl::Error naming the file and field when a value is missing, of the wrong size or out of range.
HeatMap heat_map_from_json(const RecordedFields& fields);

}  // namespace tl
