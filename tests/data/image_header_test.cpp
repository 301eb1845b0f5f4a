// Image headers: every format OpenCV writes reports the size it was written with, and a header that
// claims more pixels than tl decodes is refused before any decoder allocates for it.
#include "tl/data/image_header.hpp"

#include <limits>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sys/resource.h>

#include "support/shared_data.hpp"
#include "support/temp_directory.hpp"
#include "tl/data/image_decoder.hpp"

namespace {

std::string encoded(const cv::Mat& image, const std::string& extension) {
  std::vector<uchar> bytes;
  try {
    if (!cv::haveImageWriter(extension) || !cv::imencode(extension, image, bytes)) return "";
  } catch (const cv::Exception&) {
    return "";  // a writer this OpenCV was built without
  }
  return std::string(bytes.begin(), bytes.end());
}

TEST(ImageHeader, EveryFormatOpenCvWritesGivesItsSize) {
  const cv::Mat picture = tl::testing::synthetic_picture(67, 41);
  cv::Mat gray, floating;
  cv::cvtColor(picture, gray, cv::COLOR_BGR2GRAY);
  picture.convertTo(floating, CV_32FC3, 1.0 / 255);
  const std::vector<std::pair<std::string, const cv::Mat*>> formats{
      {".jpg", &picture}, {".png", &picture},  {".bmp", &picture},  {".webp", &picture}, {".tiff", &picture},
      {".ppm", &picture}, {".pgm", &gray},     {".pbm", &gray},     {".pam", &picture},  {".sr", &picture},
      {".jp2", &picture}, {".hdr", &floating}, {".pfm", &floating}, {".exr", &floating}};
  int checked = 0;
  for (const auto& [extension, image] : formats) {
    const std::string bytes = encoded(*image, extension);
    if (bytes.empty()) continue;
    const auto header = tl::read_image_header(bytes);
    ASSERT_TRUE(header.has_value()) << extension;
    EXPECT_EQ(header->width, 67) << extension << " (" << header->format << ")";
    EXPECT_EQ(header->height, 41) << extension << " (" << header->format << ")";
    ++checked;
  }
  EXPECT_GE(checked, 10) << "Debian's OpenCV writes at least JPEG, PNG, BMP, WebP, TIFF, the Netpbm kinds, Sun raster";
}

TEST(ImageHeader, NothingForUnknownOrCutShortBytes) {
  EXPECT_FALSE(tl::read_image_header("").has_value());
  EXPECT_FALSE(tl::read_image_header("hello, not an image").has_value());
  const std::string png = encoded(tl::testing::synthetic_picture(8, 8), ".png");
  EXPECT_FALSE(tl::read_image_header(png.substr(0, 20)).has_value());
  const std::string tiff = encoded(tl::testing::synthetic_picture(8, 8), ".tiff");
  EXPECT_FALSE(tl::read_image_header(tiff.substr(0, 9)).has_value());
}

// What tests/fuzz/image_fuzzer found, replayed in every build (the ASan unit tests catch a relapse).
TEST(ImageHeader, FuzzerFindingsStayFixed) {
  int replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(tl::testing::tests_dir() / "fuzz/corpus/image")) {
    if (entry.path().filename().string().rfind("regression-", 0) != 0) continue;
    const std::string bytes = tl::testing::read_file(entry.path());
    (void)tl::read_image_header(bytes);
    const tl::DecodedImage image = tl::decode_image_bytes(bytes, 32);
    EXPECT_FALSE(image.error.empty()) << entry.path();
    ++replayed;
  }
  EXPECT_GE(replayed, 2);
}

long peak_kilobytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// A real PNG's size field rewritten: OpenCV (2^30-pixel limit) would allocate 1.2 GB for it.
TEST(ImageHeader, ABombIsRefusedFromItsHeaderWithoutAllocating) {
  std::string png = encoded(tl::testing::synthetic_picture(64, 64), ".png");
  for (int i = 0; i < 4; ++i) png[16 + i] = static_cast<char>((20000u >> (24 - 8 * i)) & 0xFF);  // width
  for (int i = 0; i < 4; ++i) png[20 + i] = static_cast<char>((20000u >> (24 - 8 * i)) & 0xFF);  // height
  const long before = peak_kilobytes();
  const tl::DecodedImage decoded = tl::decode_image_bytes(png);
  EXPECT_EQ(decoded.error.rfind("image too large: its PNG header claims 20000x20000 pixels", 0), 0u) << decoded.error;
  EXPECT_TRUE(decoded.rgb.empty());
  EXPECT_LT(peak_kilobytes() - before, 100 * 1024) << "the decoder allocated for the claimed size";
}

// A JPEG whose frame header claims 65000x65000 would come out of the reduced decode as a grey image.
TEST(ImageHeader, AJpegWhoseHeaderLiesIsRefused) {
  std::string jpeg = encoded(tl::testing::synthetic_picture(64, 48), ".jpg");
  const auto header = tl::read_image_header(jpeg);
  ASSERT_TRUE(header.has_value());
  const size_t frame = jpeg.find("\xFF\xC0");
  ASSERT_NE(frame, std::string::npos);
  for (size_t at : {frame + 5, frame + 7}) jpeg[at] = '\xFD', jpeg[at + 1] = '\xE8';  // 65000
  EXPECT_NE(tl::decode_image_bytes(jpeg, 224).error.find("claims 65000x65000 pixels"), std::string::npos);
}

// Found by tests/fuzz/image_fuzzer: a JPEG 2000 codestream claiming 4261280778 x 2388260856
// overflowed the pixel count (undefined behaviour; it could wrap below the limit).
TEST(ImageHeader, HugeClaimedSizesSaturateInsteadOfOverflowing) {
  const tl::ImageHeader header{"JPEG 2000", 4261280778LL, 2388260856LL};
  EXPECT_EQ(header.pixels(), std::numeric_limits<long long>::max());
  std::string codestream = "\xFF\x4F\xFF\x51";
  codestream += std::string("\x00\x29\x00\x00", 4) + "\xFD\xFF\xFF\xFF" + "\xFD\xFF\xFF\xFF" + std::string(40, '\0');
  EXPECT_NE(tl::decode_image_bytes(codestream).error.find("image too large"), std::string::npos)
      << tl::decode_image_bytes(codestream).error;
}

}  // namespace
