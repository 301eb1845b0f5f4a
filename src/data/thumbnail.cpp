#include "tl/data/thumbnail.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "tl/data/heat_map_overlay.hpp"
#include "tl/data/image_decoder.hpp"

namespace tl {

namespace {

cv::Mat shrunk(const cv::Mat& rgb, int longer_side) {
  const double scale = static_cast<double>(longer_side) / std::max(rgb.cols, rgb.rows);
  if (scale >= 1.0) return rgb;
  cv::Mat small;
  cv::resize(rgb, small,
             cv::Size(std::max(1, static_cast<int>(std::lround(rgb.cols * scale))),
                      std::max(1, static_cast<int>(std::lround(rgb.rows * scale)))),
             0, 0, cv::INTER_AREA);
  return small;
}

Thumbnail jpeg(const cv::Mat& rgb, int quality) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<unsigned char> bytes;
  if (!cv::imencode(".jpg", bgr, bytes, {cv::IMWRITE_JPEG_QUALITY, quality})) return {{}, "JPEG encoding failed"};
  return {std::string(bytes.begin(), bytes.end()), {}};
}

}  // namespace

Thumbnail make_thumbnail(const std::filesystem::path& image, int longer_side, int quality) {
  const DecodedImage decoded = decode_image_file(image, longer_side);
  if (decoded.rgb.empty()) return {{}, decoded.error};
  return jpeg(shrunk(decoded.rgb, longer_side), quality);
}

Thumbnail make_heat_map_thumbnail(const std::filesystem::path& image, const std::array<double, 4>& region, int rows,
                                  int cols, const std::vector<float>& values, int longer_side, int quality) {
  if (rows < 1 || cols < 1 || values.size() != static_cast<size_t>(rows) * static_cast<size_t>(cols)) {
    return {{}, "the heat map's values do not fill its grid"};
  }
  const DecodedImage decoded = decode_image_file(image, longer_side);
  if (decoded.rgb.empty()) return {{}, decoded.error};
  const cv::Size size = decoded.rgb.size();
  const cv::Rect whole(0, 0, size.width, size.height);
  const cv::Rect crop = cv::Rect(static_cast<int>(std::lround(region[0] * size.width)),
                                 static_cast<int>(std::lround(region[1] * size.height)),
                                 std::max(1, static_cast<int>(std::lround(region[2] * size.width))),
                                 std::max(1, static_cast<int>(std::lround(region[3] * size.height)))) &
                        whole;
  if (crop.empty()) return {{}, "the heat map's region lies outside the photo"};
  const cv::Mat map(rows, cols, CV_32F, const_cast<float*>(values.data()));
  return jpeg(overlay_heat_map(shrunk(decoded.rgb(crop), longer_side), map), quality);
}

}  // namespace tl
