// Decoding: every input kind becomes 8-bit RGB; every bad file is refused with a reason, never a crash.
#include "tl/data/image_decoder.hpp"

#include <cstdlib>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

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

// OpenCV hands bytes with "DICM" at offset 128 to GDCM when no earlier decoder claims them, and GDCM
// aborts the process on a malformed file: found by the image fuzzer with a GIF header (no GIF decoder
// in OpenCV 4.6, so every decoder was tried). Without the refusal this test dies with SIGABRT.
TEST(ImageDecoder, BytesCarryingDicomsSignatureAreRefusedNotHandedToGdcm) {
  std::string gif_then_dicom = std::string("GIF87aPMM\0\x08", 11) + std::string(6, '\xff') + std::string(111, '\x08');
  gif_then_dicom += "DICM\x09";
  ASSERT_EQ(gif_then_dicom.compare(128, 4, "DICM"), 0);
  const auto gif = tl::decode_image_bytes(gif_then_dicom);
  EXPECT_NE(gif.error.find("DICOM"), std::string::npos) << gif.error;

  std::string bmp = tl::testing::encode(tl::testing::synthetic_picture(40, 30), "bmp");
  ASSERT_TRUE(tl::decode_image_bytes(bmp).error.empty());
  bmp.replace(128, 4, "DICM");
  const auto marked = tl::decode_image_bytes(bmp);
  EXPECT_NE(marked.error.find("DICOM"), std::string::npos) << marked.error;
  EXPECT_TRUE(marked.rgb.empty());
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

// libjpeg decodes directly (to refuse corrupt data); its pixels must stay OpenCV's, at every scale.
void expect_same_as_opencv(const std::string& jpeg, int shorter_side_needed, int opencv_flag) {
  const auto ours = tl::decode_image_bytes(jpeg, shorter_side_needed);
  ASSERT_TRUE(ours.error.empty()) << ours.error;
  cv::Mat bgr =
      cv::imdecode(cv::Mat(1, static_cast<int>(jpeg.size()), CV_8UC1, const_cast<char*>(jpeg.data())), opencv_flag);
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  ASSERT_EQ(ours.rgb.size(), rgb.size());
  EXPECT_EQ(cv::norm(ours.rgb, rgb, cv::NORM_INF), 0.0);
}

// A JPEG with an APP1 Exif segment holding only the Orientation tag, in the given byte order.
std::string with_orientation(const std::string& jpeg, int orientation, bool big_endian) {
  const auto u16 = [&](unsigned value) {
    return big_endian ? std::string{static_cast<char>(value >> 8), static_cast<char>(value & 0xFF)}
                      : std::string{static_cast<char>(value & 0xFF), static_cast<char>(value >> 8)};
  };
  const auto u32 = [&](unsigned value) {
    return big_endian ? u16(value >> 16) + u16(value & 0xFFFF) : u16(value & 0xFFFF) + u16(value >> 16);
  };
  const std::string tiff = std::string(big_endian ? "MM" : "II") + u16(42) + u32(8) + u16(1) + u16(0x0112) + u16(3) +
                           u32(1) + u16(static_cast<unsigned>(orientation)) + u16(0) + u32(0);
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  const size_t length = payload.size() + 2;
  return jpeg.substr(0, 2) + "\xFF\xE1" + static_cast<char>(length >> 8) + static_cast<char>(length & 0xFF) + payload +
         jpeg.substr(2);
}

TEST(JpegDecoder, PixelsAreOpenCvsAtEveryScaleOrientationAndKind) {
  const std::string photo = tl::testing::encode(tl::testing::synthetic_picture(200, 136), "jpg");
  expect_same_as_opencv(photo, 0, cv::IMREAD_COLOR);
  expect_same_as_opencv(photo, 60, cv::IMREAD_REDUCED_COLOR_2);
  expect_same_as_opencv(photo, 30, cv::IMREAD_REDUCED_COLOR_4);
  expect_same_as_opencv(photo, 17, cv::IMREAD_REDUCED_COLOR_8);
  cv::Mat gray;
  cv::cvtColor(tl::testing::synthetic_picture(90, 70), gray, cv::COLOR_BGR2GRAY);
  std::vector<uchar> encoded;
  cv::imencode(".jpg", gray, encoded);
  expect_same_as_opencv(std::string(encoded.begin(), encoded.end()), 0, cv::IMREAD_COLOR);
  cv::imencode(".jpg", tl::testing::synthetic_picture(90, 70), encoded, {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  expect_same_as_opencv(std::string(encoded.begin(), encoded.end()), 0, cv::IMREAD_COLOR);
  for (int orientation = 1; orientation <= 8; ++orientation) {
    SCOPED_TRACE(orientation);
    expect_same_as_opencv(with_orientation(photo, orientation, orientation % 2 == 0), 0, cv::IMREAD_COLOR);
    expect_same_as_opencv(with_orientation(photo, orientation, true), 60, cv::IMREAD_REDUCED_COLOR_2);
  }
  EXPECT_EQ(tl::decode_image_bytes(with_orientation(photo, 6, false)).rgb.size(), cv::Size(136, 200));
}

// A header that claims more than the data holds, or data corrupted mid-way, made libjpeg fill the
// picture with grey and print a warning on the terminal; now the file is refused, silently.
TEST(JpegDecoder, CorruptOrLyingJpegsAreRefusedWithoutAWordOnStderr) {
  const std::string photo = tl::testing::encode(tl::testing::synthetic_picture(64, 64), "jpg");
  std::string lying = photo;
  const size_t frame = lying.find("\xFF\xC0");
  ASSERT_NE(frame, std::string::npos);
  lying.replace(frame + 5, 4, std::string("\x0F\xA0\x0F\xA0", 4));  // 4000 x 4000, within the pixel limit
  std::string corrupt = photo;
  const size_t scan = corrupt.find("\xFF\xDA");
  ASSERT_NE(scan, std::string::npos);
  corrupt.replace(scan + 40, 4, "\xFF\xD0\xFF\xD7");                     // restart markers where no restart interval is
  std::string cut = photo.substr(0, photo.size() * 2 / 3) + "\xFF\xD9";  // ends with EOI, data missing

  ::testing::internal::CaptureStderr();
  const auto lying_result = tl::decode_image_bytes(lying);
  const auto corrupt_result = tl::decode_image_bytes(corrupt);
  const auto cut_result = tl::decode_image_bytes(cut, 16);
  const std::string stderr_text = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(stderr_text, "");
  for (const auto* result : {&lying_result, &corrupt_result, &cut_result}) {
    EXPECT_TRUE(result->rgb.empty());
    EXPECT_EQ(result->error.rfind("JPEG refused by libjpeg: ", 0), 0u) << result->error;
  }
  EXPECT_EQ(lying_result.error, "JPEG refused by libjpeg: Corrupt JPEG data: premature end of data segment");
}

}  // namespace
