#include "support/shared_data.hpp"

#include <cstdlib>
#include <random>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace tl::testing {

std::filesystem::path shared_dir() {
  // Set by tests/CMakeLists.txt for every test not labelled real_data: `ctest -L real_data` must
  // find every test that needs ../shared, and `ctest -L unit` must run without it.
  if (const char* forbidden = std::getenv("TL_TEST_WITHOUT_SHARED_DATA"); forbidden && std::string(forbidden) == "1") {
    ADD_FAILURE() << "this test reads ../shared but is not labelled real_data: name it *RealData* (tests/cli) or put "
                     "it in a *_real_data_test.cpp";
  }
  if (const char* overridden = std::getenv("TL_SHARED_DIR")) return overridden;
  return std::filesystem::path(TL_SHARED_DIR).lexically_normal();
}
std::filesystem::path cats_vs_dogs_root() { return shared_dir() / "datasets" / "cats-vs-dogs-mini"; }
std::filesystem::path oxford_pets_root() { return shared_dir() / "datasets" / "oxford-iiit-pet-mini"; }
std::filesystem::path model_dir(const std::string& name) { return shared_dir() / "models" / name; }
std::filesystem::path tests_dir() { return TL_TESTS_DIR; }
std::string python() { return TL_PYTHON; }
bool have_shared_data() { return std::filesystem::is_directory(shared_dir() / "datasets"); }

cv::Mat synthetic_picture(int width, int height, int seed) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uchar>((x * 255) / std::max(1, width - 1)),
                                            static_cast<uchar>((y * 255) / std::max(1, height - 1)),
                                            static_cast<uchar>((x * y + seed * 37) % 256));
    }
  }
  std::mt19937 generator(static_cast<unsigned>(seed));
  for (int i = 0; i < 6; ++i) {
    const cv::Point centre(static_cast<int>(generator() % width), static_cast<int>(generator() % height));
    const int radius = 1 + static_cast<int>(generator() % std::max(2, std::min(width, height) / 4));
    const cv::Scalar colour(generator() % 256, generator() % 256, generator() % 256);
    cv::circle(image, centre, radius, colour, cv::FILLED);
  }
  return image;
}

std::string encode(const cv::Mat& image, const std::string& extension) {
  std::vector<uchar> bytes;
  cv::imencode("." + extension, image, bytes);
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace tl::testing
