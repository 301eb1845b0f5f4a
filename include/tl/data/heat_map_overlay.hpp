#pragma once
// A class heat map drawn over the photo it explains. The map is any grid of values in [0, 1] (a
// backbone block's 7 x 7, say); it is resized bilinearly to the photo, coloured from blue (0) to red
// (1) and blended in, so the strongest regions show through warm.
#include <string>

#include <opencv2/core/mat.hpp>

namespace tl {

// rgb: CV_8UC3; map: CV_32FC1. Returns an RGB image of rgb's size.
cv::Mat overlay_heat_map(const cv::Mat& rgb, const cv::Mat& map, double opacity = 0.5);

// A figure for one explained prediction: the photo, the overlay beside it, and a caption strip
// below (ASCII; other characters are drawn as '?', as the built-in fonts have no others).
cv::Mat heat_map_figure(const cv::Mat& rgb, const cv::Mat& map, const std::string& caption);

// A one-line label under an image, for figures: the image with a white strip and black text.
cv::Mat with_caption(const cv::Mat& rgb, const std::string& caption);

}  // namespace tl
