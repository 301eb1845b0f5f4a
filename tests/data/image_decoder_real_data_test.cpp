// Decoding the real ../shared photos: every one decodes, exactly as OpenCV would, the quirky Oxford
// files as their bytes say.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "support/shared_data.hpp"
#include "tl/data/image_decoder.hpp"

namespace {

TEST(ImageDecoder, RealQuirkyOxfordFiles) {
  TL_REQUIRE_SHARED_DATA();
  const auto images = tl::testing::oxford_pets_root() / "images";
  const auto png_named_jpg = tl::decode_image_file(images / "Abyssinian_5.jpg");
  ASSERT_TRUE(png_named_jpg.error.empty()) << png_named_jpg.error;
  EXPECT_EQ(png_named_jpg.rgb.size(), cv::Size(200, 150));
  EXPECT_FALSE(tl::decode_image_file(images / "Abyssinian_34.jpg").error.empty()) << "GIF data";
}

TEST(ImageDecoder, EveryRealImageDecodes) {
  TL_REQUIRE_SHARED_DATA();
  int decoded = 0;
  for (const auto& root :
       {tl::testing::cats_vs_dogs_root() / "PetImages", tl::testing::oxford_pets_root() / "images"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file() || entry.path().filename() == "Abyssinian_34.jpg") continue;
      const auto image = tl::decode_image_file(entry.path());
      EXPECT_TRUE(image.error.empty()) << entry.path() << ": " << image.error;
      ++decoded;
      // JPEGs go through libjpeg directly: the pixels must be exactly what OpenCV's reader gives.
      cv::Mat rgb;
      cv::cvtColor(cv::imread(entry.path().string(), cv::IMREAD_COLOR), rgb, cv::COLOR_BGR2RGB);
      ASSERT_EQ(image.rgb.size(), rgb.size()) << entry.path();
      EXPECT_EQ(cv::norm(image.rgb, rgb, cv::NORM_INF), 0.0) << entry.path();
    }
  }
  EXPECT_EQ(decoded, 2002 + 664);
}

}  // namespace
