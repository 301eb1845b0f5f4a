#pragma once
// A picture of feature maps: the photo as the model saw it on the left, the maps tiled beside it,
// each scaled to its own range (a weak channel's pattern shows as clearly as a strong one's),
// coloured with viridis and labelled, and a caption below.
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

namespace tl {

struct LabelledMap {
  cv::Mat map;  // CV_32F, any size; shown cell by cell
  std::string label;
};

// rgb: CV_8UC3. Returns an RGB image; `tile_side` pixels per map.
cv::Mat feature_map_grid(const cv::Mat& rgb, const std::vector<LabelledMap>& maps, const std::string& caption,
                         int tile_side = 96);

}  // namespace tl
