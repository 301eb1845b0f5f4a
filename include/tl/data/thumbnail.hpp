#pragma once
// A small JPEG of an image file for reports: decoded like a training image (any pixel format, EXIF
// orientation applied), shrunk so its longer side is at most `longer_side`, re-encoded.
#include <filesystem>
#include <string>

namespace tl {

struct Thumbnail {
  std::string jpeg;   // the encoded bytes; empty when the file could not be decoded
  std::string error;  // why, e.g. "empty file"
};

Thumbnail make_thumbnail(const std::filesystem::path& image, int longer_side = 128, int quality = 75);

}  // namespace tl
