// The C++ preprocessing against a Python reference of the same steps, on real images, for every
// interpolation choice and for reduced JPEG decoding.
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "support/shared_data.hpp"
#include "support/temp_directory.hpp"
#include "tl/data/image_decoder.hpp"
#include "tl/data/preprocessing.hpp"

namespace {

using tl::testing::TempDirectory;

struct Difference {
  double max_levels = 0;   // largest difference, in 8-bit grey levels
  double mean_levels = 0;  // mean absolute difference, in grey levels
};

Difference compare(const std::vector<float>& ours, const std::vector<float>& reference, const tl::Preprocessing& p) {
  Difference difference;
  const size_t plane = static_cast<size_t>(p.height) * p.width;
  for (size_t i = 0; i < ours.size(); ++i) {
    const double levels = std::abs(ours[i] - reference[i]) * 255.0 * p.std[i / plane];
    difference.max_levels = std::max(difference.max_levels, levels);
    difference.mean_levels += levels / ours.size();
  }
  return difference;
}

// Runs the Python reference once for all images (its start-up costs more than the work).
std::vector<std::vector<float>> run_reference(const std::vector<std::filesystem::path>& images,
                                              const tl::Preprocessing& p, const std::filesystem::path& out_dir) {
  std::ostringstream command;
  command << tl::testing::python() << " " << tl::testing::tests_dir() / "reference" / "preprocess_reference.py"
          << " " << out_dir << " " << p.height << " " << p.width << " " << p.resize_shorter << " "
          << tl::interpolation_name(p.interpolation) << " " << (p.reduced_decode ? 1 : 0);
  for (float m : p.mean) command << " " << m;
  for (float s : p.std) command << " " << s;
  for (const auto& image : images) command << " " << image;
  if (std::system(command.str().c_str()) != 0) return {};
  std::vector<std::vector<float>> results;
  for (size_t i = 0; i < images.size(); ++i) {
    std::ifstream in(out_dir / (std::to_string(i) + ".bin"), std::ios::binary);
    std::vector<float> values(3 * static_cast<size_t>(p.height) * p.width);
    in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(float)));
    if (!in) return {};
    results.push_back(std::move(values));
  }
  return results;
}

std::vector<std::filesystem::path> golden_images() {
  const auto oxford = tl::testing::oxford_pets_root() / "images";
  const auto cats_vs_dogs = tl::testing::cats_vs_dogs_root() / "PetImages";
  return {cats_vs_dogs / "Cat/1.jpg", cats_vs_dogs / "Dog/7.jpg", oxford / "Abyssinian_5.jpg" /* PNG, RGBA */,
          oxford / "Bombay_140.jpg" /* 1725x1600 */, oxford / "Sphynx_127.jpg"};
}

class GoldenPreprocessing : public ::testing::TestWithParam<std::string> {};

// Tolerances: the OpenCV choices run the same OpenCV 4.6 on both sides, so they agree to float
// rounding (well under 0.01 grey level). 'antialias' is our re-implementation of Pillow's
// fixed-point resampler; it must agree to within one grey level anywhere (rounding ties) and
// 0.05 levels on average.
TEST_P(GoldenPreprocessing, MatchesThePythonReferenceOnRealImages) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  tl::Preprocessing p;
  p.reduced_decode = false;  // the resize itself against its reference; reduced decoding has its own test
  p.interpolation = tl::parse_interpolation(GetParam());
  p.mean = {0.485f, 0.456f, 0.406f};
  p.std = {0.229f, 0.224f, 0.225f};
  for (const auto& [height, width, shorter] : {std::tuple{224, 224, 256}, std::tuple{128, 160, 176}}) {
    p.height = height;
    p.width = width;
    p.resize_shorter = shorter;
    const auto images = golden_images();
    const auto references = run_reference(images, p, dir.path());
    ASSERT_EQ(references.size(), images.size()) << "the Python reference failed; is python3-opencv installed?";
    for (size_t i = 0; i < images.size(); ++i) {
      SCOPED_TRACE(images[i].string() + " " + p.describe());
      const auto decoded = tl::decode_image_file(images[i]);
      ASSERT_TRUE(decoded.error.empty()) << decoded.error;
      std::vector<float> ours(3 * static_cast<size_t>(p.height) * p.width);
      tl::preprocess_for_eval(decoded.rgb, p, ours.data());
      const Difference difference = compare(ours, references[i], p);
      if (p.interpolation == tl::Interpolation::antialias) {
        EXPECT_LE(difference.max_levels, 1.001);
        EXPECT_LE(difference.mean_levels, 0.05);
      } else {
        EXPECT_LE(difference.max_levels, 0.01);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Preprocessing, GoldenPreprocessing, ::testing::Values("linear", "area", "cubic", "antialias"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) { return param_info.param; });

TEST(Preprocessing, ReducedJpegDecodingMatchesThePythonReference) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  // A 2400x2000 photo-like JPEG and the largest real image (1725x1600): both decode at 1/4 for a 256 resize.
  cv::Mat large;
  cv::resize(tl::testing::synthetic_picture(240, 200, 3), large, cv::Size(2400, 2000), 0, 0, cv::INTER_CUBIC);
  tl::testing::write_file(dir / "large.jpg", tl::testing::encode(large, "jpg"));
  const std::vector<std::filesystem::path> images{dir / "large.jpg",
                                                  tl::testing::oxford_pets_root() / "images" / "Bombay_140.jpg",
                                                  tl::testing::cats_vs_dogs_root() / "PetImages" / "Cat" / "1.jpg"};
  tl::Preprocessing p;
  p.mean = p.std = {0.5f, 0.5f, 0.5f};
  ASSERT_TRUE(p.reduced_decode);
  const auto references = run_reference(images, p, dir.path());
  ASSERT_EQ(references.size(), images.size());
  for (size_t i = 0; i < images.size(); ++i) {
    SCOPED_TRACE(images[i].string());
    const auto decoded = tl::decode_image_file(images[i], p.decode_shorter_side());
    ASSERT_TRUE(decoded.error.empty()) << decoded.error;
    std::vector<float> ours(3 * 224 * 224);
    tl::preprocess_for_eval(decoded.rgb, p, ours.data());
    EXPECT_LE(compare(ours, references[i], p).max_levels, 0.01);
  }
  EXPECT_EQ(tl::decode_image_file(images[0], p.decode_shorter_side()).rgb.size(), cv::Size(600, 500));
  EXPECT_EQ(tl::decode_image_file(images[1], p.decode_shorter_side()).rgb.size(), cv::Size(432, 400));
}

}  // namespace
