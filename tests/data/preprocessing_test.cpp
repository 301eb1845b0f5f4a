// The preprocessing's geometry and normalisation rules on synthetic images (the comparison with a
// Python reference on real images: preprocessing_real_data_test.cpp).
#include "tl/data/preprocessing.hpp"

#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace {

TEST(Preprocessing, NormalisesWithMeanAndStdInTheRequestedChannelOrder) {
  cv::Mat rgb(4, 4, CV_8UC3, cv::Scalar(255, 0, 51));  // R=255, G=0, B=51
  tl::Preprocessing p;
  p.height = p.width = 4;
  p.resize_shorter = 4;
  p.mean = {0.5f, 0.5f, 0.5f};
  p.std = {0.5f, 0.25f, 0.5f};
  std::vector<float> chw(48);
  tl::preprocess_for_eval(rgb, p, chw.data());
  EXPECT_FLOAT_EQ(chw[0], 1.0f);
  EXPECT_FLOAT_EQ(chw[16], -2.0f);
  EXPECT_NEAR(chw[32], (0.2f - 0.5f) / 0.5f, 1e-6);
  p.channel_order = tl::ChannelOrder::bgr;
  tl::preprocess_for_eval(rgb, p, chw.data());
  EXPECT_NEAR(chw[0], (0.2f - 0.5f) / 0.5f, 1e-6) << "blue first for a BGR network";
  EXPECT_FLOAT_EQ(chw[32], 1.0f);
}

TEST(Preprocessing, ResizesTheShorterSideThenCropsTheCentre) {
  tl::Preprocessing p;
  p.height = p.width = 100;
  p.resize_shorter = 120;
  const cv::Mat landscape(300, 600, CV_8UC3, cv::Scalar(0, 0, 0));
  EXPECT_EQ(tl::resize_shorter_side(landscape, p).size(), cv::Size(240, 120));
  const cv::Mat portrait(601, 300, CV_8UC3, cv::Scalar(0, 0, 0));
  EXPECT_EQ(tl::resize_shorter_side(portrait, p).size(), cv::Size(120, 240)) << "longer side truncated";
  EXPECT_EQ(tl::centre_crop(cv::Size(240, 120), p), cv::Rect(70, 10, 100, 100));
  // A very wide crop on a tall image: the image grows until the crop fits.
  p.height = 10;
  p.width = 200;
  p.resize_shorter = 12;
  const cv::Size covered = tl::resize_shorter_side(portrait, p).size();
  EXPECT_GE(covered.width, 200);
  EXPECT_GE(covered.height, 10);
}

TEST(Preprocessing, TinyImagesAreUpscaledToTheInputSize) {
  tl::Preprocessing p;
  const cv::Mat tiny(3, 5, CV_8UC3, cv::Scalar(10, 20, 30));
  std::vector<float> chw(3 * 224 * 224);
  tl::preprocess_for_eval(tiny, p, chw.data());
  EXPECT_NEAR(chw[0], (10 / 255.0f - p.mean[0]) / p.std[0], 1e-5);
}

// Test-time flips mirror the crop itself (not the photo before cropping, whose centre crop can sit a
// pixel off when the margins are odd), so an exported module flipping its input tensor agrees.
TEST(Preprocessing, AMirroredPassIsThePlainCropMirrored) {
  tl::Preprocessing plain;
  plain.height = plain.width = 8;
  plain.resize_shorter = 9;  // a 9-pixel margin: the crop is not centred exactly
  cv::Mat rgb(9, 13, CV_8UC3);
  cv::randu(rgb, 0, 256);
  tl::Preprocessing mirrored = plain;
  mirrored.mirrored = true;
  EXPECT_NE(mirrored.describe(), plain.describe()) << "cached in a namespace of their own";
  std::vector<float> expected(3 * 64), actual(3 * 64);
  tl::preprocess_for_eval(rgb, plain, expected.data());
  tl::preprocess_for_eval(rgb, mirrored, actual.data());
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 8; ++y) {
      for (int x = 0; x < 8; ++x) {
        EXPECT_EQ(actual[c * 64 + y * 8 + x], expected[c * 64 + y * 8 + (7 - x)]) << c << " " << y << " " << x;
      }
    }
  }
}

}  // namespace
