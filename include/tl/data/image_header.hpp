#pragma once
// The format and pixel size an image file claims in its header, read without decoding anything, so
// that a decompression bomb (a few kilobytes that inflate to gigabytes) or a header that lies about
// its size is refused before a decoder allocates for it. Covers every format OpenCV decodes.
#include <limits>
#include <optional>
#include <string>

namespace tl {

struct ImageHeader {
  std::string format;  // "JPEG", "PNG", "BMP", "WebP", "GIF", "TIFF", "PNM", "PFM", "Sun raster", ...
  long long width = 0, height = 0;

  // Saturates: a JPEG 2000 or TIFF header can claim 2^32 x 2^32, which long long cannot hold.
  long long pixels() const {
    if (width <= 0 || height <= 0) return 0;
    return height > std::numeric_limits<long long>::max() / width ? std::numeric_limits<long long>::max()
                                                                  : width * height;
  }
};

// Nothing when the bytes start with no known image signature or the header is cut short.
std::optional<ImageHeader> read_image_header(const std::string& bytes);

}  // namespace tl
