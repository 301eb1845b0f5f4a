#include "tl/data/image_decoder.hpp"

#include <algorithm>
#include <cstdlib>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "tl/base/file_bytes.hpp"

namespace tl {
namespace {

// OpenCV reads its pixel limit from the environment once, at its first decode; a user's own
// setting wins.
void limit_decoder_size() {
  static const bool limited = [] {
    setenv("OPENCV_IO_MAX_IMAGE_PIXELS", std::to_string(kMaxImagePixels).c_str(), 0);
    return true;
  }();
  (void)limited;
}

// libjpeg decodes a truncated JPEG into a half-grey picture with only a warning, so truncation is
// checked on the bytes: a whole JPEG ends with the EOI marker, give or take trailing padding.
bool is_truncated_jpeg(const std::string& bytes) {
  const bool jpeg =
      bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0xFF && static_cast<unsigned char>(bytes[1]) == 0xD8;
  if (!jpeg) return false;
  const size_t tail_start = bytes.size() > 1024 ? bytes.size() - 1024 : 2;
  return bytes.find("\xFF\xD9", tail_start) == std::string::npos;
}

int reduced_decode_flag(const std::string& bytes, int shorter_side_needed) {
  if (shorter_side_needed <= 0) return cv::IMREAD_COLOR;
  const auto size = jpeg_size(bytes);
  if (!size) return cv::IMREAD_COLOR;
  const int shorter = std::min(size->width, size->height);
  if (shorter >= 8 * shorter_side_needed) return cv::IMREAD_REDUCED_COLOR_8;
  if (shorter >= 4 * shorter_side_needed) return cv::IMREAD_REDUCED_COLOR_4;
  if (shorter >= 2 * shorter_side_needed) return cv::IMREAD_REDUCED_COLOR_2;
  return cv::IMREAD_COLOR;
}

}  // namespace

std::optional<cv::Size> jpeg_size(const std::string& bytes) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(bytes[i]); };
  if (bytes.size() < 4 || byte(0) != 0xFF || byte(1) != 0xD8) return std::nullopt;
  size_t i = 2;
  while (i + 9 < bytes.size()) {
    if (byte(i) != 0xFF) return std::nullopt;
    const unsigned char marker = byte(i + 1);
    if (marker == 0xFF) {  // fill byte before a marker
      ++i;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {  // markers without a length
      i += 2;
      continue;
    }
    // Start-of-frame markers C0-CF, except DHT (C4), JPG (C8) and DAC (CC), hold the image size.
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      return cv::Size((byte(i + 7) << 8) | byte(i + 8), (byte(i + 5) << 8) | byte(i + 6));
    }
    i += 2 + ((static_cast<size_t>(byte(i + 2)) << 8) | byte(i + 3));
  }
  return std::nullopt;
}

DecodedImage decode_image_bytes(const std::string& bytes, int shorter_side_needed) {
  limit_decoder_size();
  DecodedImage result;
  if (bytes.empty()) {
    result.error = "empty file";
    return result;
  }
  if (is_truncated_jpeg(bytes)) {
    result.error = "truncated JPEG (no end-of-image marker)";
    return result;
  }
  const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
  cv::Mat bgr;
  try {
    // IMREAD_COLOR (and its reduced forms) converts gray, alpha, 16-bit, palette and CMYK to 8-bit
    // BGR and applies EXIF orientation.
    bgr = cv::imdecode(raw, reduced_decode_flag(bytes, shorter_side_needed));
  } catch (const cv::Exception& error) {
    result.error = std::string("decoder error: ") + error.what();
    return result;
  }
  if (bgr.empty()) {
    result.error = "not a decodable image (unknown format, truncated or too large)";
    return result;
  }
  if (static_cast<long long>(bgr.cols) * bgr.rows > kMaxImagePixels) {
    result.error = "image too large: " + std::to_string(bgr.cols) + "x" + std::to_string(bgr.rows);
    return result;
  }
  cv::cvtColor(bgr, result.rgb, cv::COLOR_BGR2RGB);
  return result;
}

DecodedImage decode_image_file(const std::filesystem::path& path, int shorter_side_needed) {
  const std::optional<std::string> bytes = read_file_bytes(path);
  if (!bytes) {
    DecodedImage result;
    result.error = "cannot open file";
    return result;
  }
  return decode_image_bytes(*bytes, shorter_side_needed);
}

}  // namespace tl
