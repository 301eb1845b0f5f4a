// Decoding: every input kind becomes 8-bit RGB; every bad file is refused with a reason, never a crash.
#include "tl/data/image_decoder.hpp"

#include <cstdlib>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "support/fixtures.hpp"
#include "support/shared_data.hpp"
#include "support/temp_directory.hpp"

namespace {

using tl::testing::TempDirectory;
using tl::testing::write_file;

// The special images are shared by every test run: files a test makes go to its own folder.
class SpecialImages : public ::testing::Test {
 protected:
  static std::filesystem::path file(const std::string& name) { return tl::testing::special_images() / name; }
  TempDirectory made;
};

void expect_rgb(const tl::DecodedImage& image, cv::Vec3b expected, int tolerance) {
  ASSERT_TRUE(image.error.empty()) << image.error;
  ASSERT_EQ(image.rgb.type(), CV_8UC3);
  const cv::Vec3b pixel = image.rgb.at<cv::Vec3b>(5, 5);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(pixel[c], expected[c], tolerance) << "channel " << c;
}

TEST_F(SpecialImages, EveryPixelFormatBecomesRgb) {
  expect_rgb(tl::decode_image_file(file("rgb.png")), {200, 100, 50}, 0);
  expect_rgb(tl::decode_image_file(file("rgb.bmp")), {200, 100, 50}, 0);
  expect_rgb(tl::decode_image_file(file("gray.png")), {90, 90, 90}, 0);
  expect_rgb(tl::decode_image_file(file("gray_alpha.png")), {90, 90, 90}, 0);
  expect_rgb(tl::decode_image_file(file("rgba.png")), {200, 100, 50}, 0);
  expect_rgb(tl::decode_image_file(file("palette.png")), {200, 100, 50}, 0);
  expect_rgb(tl::decode_image_file(file("gray16.png")), {90, 90, 90}, 1);
  expect_rgb(tl::decode_image_file(file("cmyk.jpg")), {200, 100, 50}, 6);
}

TEST_F(SpecialImages, FormatComesFromTheBytesNotTheName) {
  std::filesystem::copy_file(file("rgb.png"), made / "disguised.jpg");
  expect_rgb(tl::decode_image_file(made / "disguised.jpg"), {200, 100, 50}, 0);
}

TEST_F(SpecialImages, RefusesWhatCannotBeDecoded) {
  EXPECT_EQ(tl::decode_image_file(file("absent.jpg")).error, "cannot open file");
  write_file(made / "empty.jpg", "");
  EXPECT_EQ(tl::decode_image_file(made / "empty.jpg").error, "empty file");
  write_file(made / "text.jpg", "this is not an image at all");
  EXPECT_FALSE(tl::decode_image_file(made / "text.jpg").error.empty());
  EXPECT_FALSE(tl::decode_image_file(file("rgb.gif")).error.empty()) << "OpenCV 4.6 has no GIF decoder";
  const auto huge = tl::decode_image_file(file("huge.png"));
  EXPECT_FALSE(huge.error.empty());
  EXPECT_TRUE(huge.rgb.empty());
}

TEST(ImageDecoder, TruncatedJpegIsRefused) {
  const std::string whole = tl::testing::encode(tl::testing::synthetic_picture(120, 90), "jpg");
  EXPECT_TRUE(tl::decode_image_bytes(whole).error.empty());
  for (size_t keep : {whole.size() / 2, whole.size() - 2, size_t{3}}) {
    const auto decoded = tl::decode_image_bytes(whole.substr(0, keep));
    EXPECT_FALSE(decoded.error.empty()) << "kept " << keep << " of " << whole.size() << " bytes";
  }
  const auto truncated_png = tl::testing::encode(tl::testing::synthetic_picture(120, 90), "png");
  EXPECT_FALSE(tl::decode_image_bytes(truncated_png.substr(0, truncated_png.size() / 2)).error.empty());
}

TEST(ImageDecoder, LargeJpegsDecodeAtReducedScaleOnlyWhenAllowed) {
  const std::string jpeg = tl::testing::encode(tl::testing::synthetic_picture(1200, 1000), "jpg");
  ASSERT_EQ(tl::jpeg_size(jpeg), cv::Size(1200, 1000));
  EXPECT_FALSE(tl::jpeg_size(tl::testing::encode(tl::testing::synthetic_picture(8, 8), "png")).has_value());
  EXPECT_EQ(tl::decode_image_bytes(jpeg).rgb.size(), cv::Size(1200, 1000));
  EXPECT_EQ(tl::decode_image_bytes(jpeg, 256).rgb.size(), cv::Size(600, 500)) << "1/4 would leave 250 < 256";
  EXPECT_EQ(tl::decode_image_bytes(jpeg, 250).rgb.size(), cv::Size(300, 250));
  EXPECT_EQ(tl::decode_image_bytes(jpeg, 100).rgb.size(), cv::Size(150, 125));
  EXPECT_EQ(tl::decode_image_bytes(jpeg, 600).rgb.size(), cv::Size(1200, 1000)) << "less than twice: full size";
}

}  // namespace
