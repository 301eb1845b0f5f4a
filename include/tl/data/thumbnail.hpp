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

Thumbnail make_thumbnail(const std::filesystem::path& image, int longer_side = 128, int quality = 75);

// The part of the photo a model saw (`region`: left, top, width, height as fractions of it) with a
// heat map over it (heat_map_overlay.hpp): `values`, rows x cols row-major in [0, 1].
Thumbnail make_heat_map_thumbnail(const std::filesystem::path& image, const std::array<double, 4>& region, int rows,
                                  int cols, const std::vector<float>& values, int longer_side = 64, int quality = 70);

}  // namespace tl
