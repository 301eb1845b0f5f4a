#pragma once
// Decoding an image file into 8-bit, 3-channel RGB whatever it holds: the format is taken from the
// bytes, not the extension (a PNG named .jpg decodes as PNG); grayscale, alpha, 16-bit, palette and
// CMYK inputs all become RGB; EXIF orientation is applied. A file that cannot be decoded gives an
// error string, never an exception, so a loader can skip it, count it and go on.
#include <filesystem>
#include <optional>
#include <string>

#include <opencv2/core/mat.hpp>

namespace tl {

// Larger images are refused before decoding: a photo this big is far more likely a decompression
// bomb or a corrupt header than a training image.
constexpr long long kMaxImagePixels = 1LL << 27;  // ~134 megapixels, e.g. 11585 x 11585

struct DecodedImage {
  cv::Mat rgb;        // CV_8UC3, RGB order; empty when decoding failed
  std::string error;  // why it failed, e.g. "empty file", "not a decodable image"
};

// shorter_side_needed > 0 allows a faster, smaller decode: a JPEG whose shorter side is at least
// twice that is decoded by libjpeg at 1/2, 1/4 or 1/8 scale (IMREAD_REDUCED_*: the largest factor
// that keeps the shorter side >= shorter_side_needed), skipping most of the inverse DCT work.
DecodedImage decode_image_file(const std::filesystem::path& path, int shorter_side_needed = 0);
DecodedImage decode_image_bytes(const std::string& bytes, int shorter_side_needed = 0);

// Width and height from a JPEG's frame header, without decoding; nothing if the bytes are no JPEG.
std::optional<cv::Size> jpeg_size(const std::string& bytes);

}  // namespace tl
