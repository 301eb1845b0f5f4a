// Train-time augmentation: views are a pure function of (image, key), each edit does what it says,
// and crops stay within torchvision's RandomResizedCrop contract.
#include "tl/data/augmentation.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "tl/data/preprocessing.hpp"

namespace {

tl::Preprocessing small_input() {
  tl::Preprocessing p;
  p.height = p.width = 16;
  p.resize_shorter = 16;
  p.mean = {0, 0, 0};
  p.std = {1, 1, 1};
  return p;
}

// A picture with structure in every direction and every channel.
cv::Mat test_picture() {
  cv::Mat rgb(40, 60, CV_8UC3);
  for (int y = 0; y < rgb.rows; ++y) {
    for (int x = 0; x < rgb.cols; ++x) rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(4 * x, 6 * y, (7 * x + 3 * y) % 256);
  }
  return rgb;
}

std::vector<float> view(const cv::Mat& rgb, const tl::Augmentation& augmentation, uint64_t key) {
  const tl::Preprocessing p = small_input();
  std::vector<float> chw(3 * 16 * 16);
  tl::preprocess_augmented(rgb, p, augmentation, key, chw.data());
  return chw;
}

std::vector<float> eval_view(const cv::Mat& rgb) {
  const tl::Preprocessing p = small_input();
  std::vector<float> chw(3 * 16 * 16);
  tl::preprocess_for_eval(rgb, p, chw.data());
  return chw;
}

tl::Augmentation everything() {
  tl::Augmentation a;
  a.random_resized_crop = true;
  a.horizontal_flip = true;
  a.brightness = a.contrast = a.saturation = 0.4;
  return a;
}

TEST(Augmentation, TheSameKeyGivesTheSameViewAndOtherKeysOtherViews) {
  const cv::Mat rgb = test_picture();
  EXPECT_EQ(view(rgb, everything(), 42), view(rgb, everything(), 42));
  int different = 0;
  for (uint64_t key = 0; key < 8; ++key) different += view(rgb, everything(), key) != view(rgb, everything(), 42);
  EXPECT_EQ(different, 8);
}

TEST(Augmentation, AFlipMirrorsTheEvaluationViewForHalfTheKeys) {
  const cv::Mat rgb = test_picture();
  tl::Augmentation flip;
  flip.horizontal_flip = true;
  cv::Mat mirrored;
  cv::flip(rgb, mirrored, 1);
  int flipped = 0, kept = 0;
  for (uint64_t key = 0; key < 200; ++key) {
    const auto chw = view(rgb, flip, key);
    if (chw == eval_view(rgb)) ++kept;
    if (chw == eval_view(mirrored)) ++flipped;
  }
  EXPECT_EQ(flipped + kept, 200);
  EXPECT_GT(flipped, 70);
  EXPECT_GT(kept, 70);
}

TEST(Augmentation, JitterWithinStrengthAndZeroStrengthIsTheEvaluationView) {
  const cv::Mat rgb = test_picture();
  tl::Augmentation none_strong;
  none_strong.brightness = 1e-9;  // on, but the factor is 1 to nine digits
  EXPECT_EQ(view(rgb, none_strong, 5), eval_view(rgb));

  tl::Augmentation brightness;
  brightness.brightness = 0.3;
  const auto plain = eval_view(rgb);
  for (uint64_t key = 0; key < 20; ++key) {
    const auto bright = view(rgb, brightness, key);
    // Pixels far from saturation scale by one factor in [0.7, 1.3].
    const size_t probe = 3 * 16 + 5;  // red, row 3, column 5
    const double factor = bright[probe] / plain[probe];
    EXPECT_GE(factor, 0.69);
    EXPECT_LE(factor, 1.31);
  }

  tl::Augmentation saturation;
  saturation.saturation = 1.0;
  bool some_greyer = false;
  for (uint64_t key = 0; key < 20 && !some_greyer; ++key) {
    const auto greyer = view(rgb, saturation, key);
    const size_t plane = 16 * 16, pixel = 7 * 16 + 7;
    const double spread_before = std::abs(plain[pixel] - plain[plane + pixel]);
    const double spread_after = std::abs(greyer[pixel] - greyer[plane + pixel]);
    some_greyer = spread_after < 0.5 * spread_before;
  }
  EXPECT_TRUE(some_greyer) << "saturation factors near 0 move channels towards grey";
}

TEST(Augmentation, RandomResizedCropsKeepTheirAreaAndRatioBoundsInsideTheImage) {
  tl::Augmentation a;
  a.random_resized_crop = true;
  a.crop_scale = {0.25, 0.8};
  a.crop_ratio = {0.5, 2.0};
  const cv::Size size(300, 200);
  double smallest = 1, largest = 0;
  for (uint64_t key = 0; key < 500; ++key) {
    const cv::Rect crop = tl::random_resized_crop(size, a, key);
    ASSERT_GE(crop.x, 0);
    ASSERT_GE(crop.y, 0);
    ASSERT_LE(crop.x + crop.width, size.width);
    ASSERT_LE(crop.y + crop.height, size.height);
    const double area = static_cast<double>(crop.area()) / size.area();
    const double ratio = static_cast<double>(crop.width) / crop.height;
    EXPECT_GE(area, 0.24);
    EXPECT_LE(area, 0.81);
    EXPECT_GE(ratio, 0.49);
    EXPECT_LE(ratio, 2.02);
    smallest = std::min(smallest, area);
    largest = std::max(largest, area);
  }
  EXPECT_LT(smallest, 0.3) << "the whole scale range is used";
  EXPECT_GT(largest, 0.75);
}

TEST(Augmentation, ImpossibleRatiosFallBackToACentredCropOfTheClampedRatio) {
  tl::Augmentation a;
  a.random_resized_crop = true;
  a.crop_scale = {1.0, 1.0};
  a.crop_ratio = {1.0, 1.0};
  const cv::Rect crop = tl::random_resized_crop(cv::Size(300, 100), a, 9);
  EXPECT_EQ(crop, cv::Rect(100, 0, 100, 100));
}

TEST(Augmentation, TheDescriptionChangesWithEverySettingThatShapesAView) {
  const tl::Augmentation base = everything();
  std::vector<tl::Augmentation> variants(6, base);
  variants[0].random_resized_crop = false;
  variants[1].crop_scale[0] = 0.5;
  variants[2].horizontal_flip = false;
  variants[3].brightness = 0.1;
  variants[4].contrast = 0.1;
  variants[5].saturation = 0.1;
  for (const auto& variant : variants) EXPECT_NE(variant.describe(), base.describe());
  tl::Augmentation more_views = base;
  more_views.views = 9;
  EXPECT_EQ(more_views.describe(), base.describe()) << "a view's content does not depend on how many there are";
  EXPECT_FALSE(tl::Augmentation{}.enabled());
}

}  // namespace
