#pragma once
// A small JPEG of an image file for reports: decoded like a training image (any pixel format, EXIF
// orientation applied), shrunk so its longer side is at most `longer_side`, re-encoded.
#include <array>
#include <filesystem>
#include <string>
#include <vector>

namespace tl {

struct Thumbnail {
  std::string jpeg;   // the encoded bytes; empty when the file could not be decoded
  std::string error;  // why, e.g. "empty file"
};

// A heat map drawn over the part of the photo a model saw (heat_map_overlay.hpp): `region` is
// left, top, width, height as fractions of the photo, `values` rows x cols row-major in [0, 1].
struct ThumbnailOverlay {
  std::array<double, 4> region{0.0, 0.0, 1.0, 1.0};
  int rows = 0, cols = 0;
  std::vector<float> values;
};

struct PhotoThumbnails {
  Thumbnail photo;                  // the whole photo, `longer_side` pixels on its longer side
  std::vector<Thumbnail> overlays;  // one per overlay asked for, `overlay_side` pixels; none when
                                    // the photo could not be decoded
};

// The photo decoded once for its own thumbnail and every overlay's.
PhotoThumbnails make_thumbnails(const std::filesystem::path& image, const std::vector<ThumbnailOverlay>& overlays = {},
                                int longer_side = 128, int overlay_side = 64);

}  // namespace tl
