#include "tl/data/thumbnail.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "tl/data/image_decoder.hpp"

namespace tl {

Thumbnail make_thumbnail(const std::filesystem::path& image, int longer_side, int quality) {
  const DecodedImage decoded = decode_image_file(image, longer_side);
  if (decoded.rgb.empty()) return {{}, decoded.error};
  const double scale = static_cast<double>(longer_side) / std::max(decoded.rgb.cols, decoded.rgb.rows);
  cv::Mat bgr;
  if (scale < 1.0) {
    cv::Mat small;
    cv::resize(decoded.rgb, small,
               cv::Size(std::max(1, static_cast<int>(std::lround(decoded.rgb.cols * scale))),
                        std::max(1, static_cast<int>(std::lround(decoded.rgb.rows * scale)))),
               0, 0, cv::INTER_AREA);
    cv::cvtColor(small, bgr, cv::COLOR_RGB2BGR);
  } else {
    cv::cvtColor(decoded.rgb, bgr, cv::COLOR_RGB2BGR);
  }
  std::vector<unsigned char> bytes;
  if (!cv::imencode(".jpg", bgr, bytes, {cv::IMWRITE_JPEG_QUALITY, quality})) return {{}, "JPEG encoding failed"};
  return {std::string(bytes.begin(), bytes.end()), {}};
}

}  // namespace tl
