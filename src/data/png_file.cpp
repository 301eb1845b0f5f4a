#include "tl/data/png_file.hpp"

#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "tl/base/atomic_file.hpp"
#include "tl/base/error.hpp"

namespace tl {

void write_png_file(const std::filesystem::path& path, const cv::Mat& image) {
  if (image.empty() || image.depth() != CV_8U || (image.channels() != 3 && image.channels() != 1)) {
    throw Error(path.string() + ": not an 8-bit RGB or grey image to write as PNG");
  }
  cv::Mat bgr = image;
  if (image.channels() == 3) cv::cvtColor(image, bgr, cv::COLOR_RGB2BGR);  // OpenCV encodes BGR
  std::vector<uchar> encoded;
  if (!cv::imencode(".png", bgr, encoded)) throw Error(path.string() + ": could not encode the PNG");
  if (!path.parent_path().empty()) std::filesystem::create_directories(path.parent_path());
  write_file_atomically(path, std::string(encoded.begin(), encoded.end()));
}

}  // namespace tl
