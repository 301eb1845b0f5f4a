#include "tl/image_decoder.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

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
  const bool jpeg = bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
                    static_cast<unsigned char>(bytes[1]) == 0xD8;
  if (!jpeg) return false;
  const size_t tail_start = bytes.size() > 1024 ? bytes.size() - 1024 : 2;
  return bytes.find("\xFF\xD9", tail_start) == std::string::npos;
}

}  // namespace

DecodedImage decode_image_bytes(const std::string& bytes) {
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
    // IMREAD_COLOR converts gray, alpha, 16-bit, palette and CMYK to 8-bit BGR and applies EXIF orientation.
    bgr = cv::imdecode(raw, cv::IMREAD_COLOR);
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

DecodedImage decode_image_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    DecodedImage result;
    result.error = "cannot open file";
    return result;
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return decode_image_bytes(bytes.str());
}

}  // namespace tl
