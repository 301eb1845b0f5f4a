#pragma once
// Where the real data and backbones of ../shared live for tests, and small synthetic images.
// Tests that need ../shared skip with a message when it is absent (the product never needs it).
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/core/mat.hpp>

namespace tl::testing {

std::filesystem::path shared_dir();
std::filesystem::path cats_vs_dogs_root();                 // .../datasets/cats-vs-dogs-mini
std::filesystem::path oxford_pets_root();                  // .../datasets/oxford-iiit-pet-mini
std::filesystem::path model_dir(const std::string& name);  // .../models/<name>
std::filesystem::path tests_dir();                         // this source folder (reference scripts live here)
std::string python();                                      // the Python with torch, torchvision and cv2
bool have_shared_data();

// A deterministic colourful test picture (gradients and shapes), CV_8UC3 in BGR as OpenCV writes it.
cv::Mat synthetic_picture(int width, int height, int seed = 0);
// Encodes with OpenCV ("jpg", "png", ...) and returns the bytes.
std::string encode(const cv::Mat& image, const std::string& extension);

}  // namespace tl::testing

#define TL_REQUIRE_SHARED_DATA()                                                                                  \
  do {                                                                                                            \
    if (!::tl::testing::have_shared_data())                                                                       \
      GTEST_SKIP() << "needs ../shared (real datasets and models), not found at " << ::tl::testing::shared_dir(); \
  } while (false)
