#include "tl/explain/feature_map_grid.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "tl/data/heat_map_overlay.hpp"

namespace tl {
namespace {

constexpr int kGap = 4;
constexpr int kLabelHeight = 14;

cv::Mat coloured_tile(const cv::Mat& map, int side) {
  double low = 0, high = 0;
  cv::minMaxLoc(map, &low, &high);
  cv::Mat levels;
  map.convertTo(levels, CV_8U, high > low ? 255.0 / (high - low) : 0.0, high > low ? -low * 255.0 / (high - low) : 0.0);
  cv::Mat large, coloured;
  cv::resize(levels, large, cv::Size(side, side), 0, 0, cv::INTER_NEAREST);  // each cell as it is
  cv::applyColorMap(large, coloured, cv::COLORMAP_VIRIDIS);
  cv::cvtColor(coloured, coloured, cv::COLOR_BGR2RGB);
  return coloured;
}

}  // namespace

cv::Mat feature_map_grid(const cv::Mat& rgb, const std::vector<LabelledMap>& maps, const std::string& caption,
                         int tile_side) {
  const int count = std::max<int>(1, static_cast<int>(maps.size()));
  const int columns = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(count))));
  const int rows = (count + columns - 1) / columns;
  const int cell_width = tile_side + kGap, cell_height = tile_side + kLabelHeight + kGap;
  const int grid_height = rows * cell_height - kGap;
  cv::Mat photo;
  const double scale = static_cast<double>(grid_height) / rgb.rows;
  cv::resize(rgb, photo, cv::Size(std::max(1, static_cast<int>(std::lround(rgb.cols * scale))), grid_height), 0, 0,
             cv::INTER_AREA);
  const int grid_left = photo.cols + 3 * kGap;
  cv::Mat figure(grid_height, grid_left + columns * cell_width - kGap, CV_8UC3, cv::Scalar(255, 255, 255));
  photo.copyTo(figure(cv::Rect(0, 0, photo.cols, photo.rows)));
  for (size_t i = 0; i < maps.size(); ++i) {
    const int x = grid_left + static_cast<int>(i) % columns * cell_width;
    const int y = static_cast<int>(i) / columns * cell_height;
    coloured_tile(maps[i].map, tile_side).copyTo(figure(cv::Rect(x, y, tile_side, tile_side)));
    cv::putText(figure, maps[i].label, cv::Point(x + 2, y + tile_side + kLabelHeight - 3), cv::FONT_HERSHEY_SIMPLEX,
                0.35, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  }
  return with_caption(figure, caption);
}

}  // namespace tl
