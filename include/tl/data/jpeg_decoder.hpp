#pragma once
// JPEGs are decoded with libjpeg itself rather than through OpenCV, for what OpenCV's reader cannot
// do: libjpeg reports missing or corrupt entropy data only as a warning, fills the gap with grey and
// prints the warning straight to stderr. Here such a warning is the reason the file is refused, and
// no message of libjpeg's reaches the terminal. Pixels are the same as cv::imdecode's (same
// library, same settings), EXIF orientation included.
#include <optional>
#include <string>

#include "tl/data/image_decoder.hpp"

namespace tl {

// scale_denominator 1, 2, 4 or 8 decodes at that fraction of the size (libjpeg's DCT scaling).
// Nothing for a JPEG this decoder leaves to OpenCV (CMYK and YCCK, whose conversion OpenCV owns).
std::optional<DecodedImage> decode_jpeg(const std::string& bytes, int scale_denominator);

}  // namespace tl
