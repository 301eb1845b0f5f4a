#pragma once
// Images tl draws (class images, heat maps, feature-map grids) saved as PNG: lossless, so what is
// measured in a file is what was computed.
#include <filesystem>

#include <opencv2/core/mat.hpp>

namespace tl {

// Writes an 8-bit RGB (CV_8UC3) or grey (CV_8UC1) image, atomically, creating the folder; tl::Error
// naming the path when it cannot.
void write_png_file(const std::filesystem::path& path, const cv::Mat& image);

}  // namespace tl
