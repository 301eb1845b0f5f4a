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

// JPEG qualities: a heat map's colours hide the artefacts a photo would show.
constexpr int kPhotoQuality = 75;
constexpr int kOverlayQuality = 70;

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

Thumbnail overlay_thumbnail(const cv::Mat& rgb, const ThumbnailOverlay& overlay, int side) {
  if (overlay.rows < 1 || overlay.cols < 1 ||
      overlay.values.size() != static_cast<size_t>(overlay.rows) * static_cast<size_t>(overlay.cols)) {
    return {{}, "the heat map's values do not fill its grid"};
  }
  const cv::Size size = rgb.size();
  const cv::Rect whole(0, 0, size.width, size.height);
  const auto& region = overlay.region;
  const cv::Rect crop = cv::Rect(static_cast<int>(std::lround(region[0] * size.width)),
                                 static_cast<int>(std::lround(region[1] * size.height)),
                                 std::max(1, static_cast<int>(std::lround(region[2] * size.width))),
                                 std::max(1, static_cast<int>(std::lround(region[3] * size.height)))) &
                        whole;
  if (crop.empty()) return {{}, "the heat map's region lies outside the photo"};
  const cv::Mat map(overlay.rows, overlay.cols, CV_32F, const_cast<float*>(overlay.values.data()));
  return jpeg(overlay_heat_map(shrunk(rgb(crop), side), map), kOverlayQuality);
}

}  // namespace

PhotoThumbnails make_thumbnails(const std::filesystem::path& image, const std::vector<ThumbnailOverlay>& overlays,
                                int longer_side, int overlay_side) {
  const DecodedImage decoded = decode_image_file(image, std::max(longer_side, overlay_side));
  if (decoded.rgb.empty()) return {{{}, decoded.error}, {}};
  PhotoThumbnails thumbnails{jpeg(shrunk(decoded.rgb, longer_side), kPhotoQuality), {}};
  for (const ThumbnailOverlay& overlay : overlays) {
    thumbnails.overlays.push_back(overlay_thumbnail(decoded.rgb, overlay, overlay_side));
  }
  return thumbnails;
}

}  // namespace tl
