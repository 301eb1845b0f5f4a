// One image tensor for several backbones: renormalising images prepared for one backbone gives
// what that backbone's neighbour's own preprocessing gives, channel order included, and backbones
// that need other pixels are refused with both geometries named.
#include "tl/features/input_conversion.hpp"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <torch/torch.h>

#include "tl/base/error.hpp"
#include "tl/data/preprocessing.hpp"

namespace {

tl::Preprocessing small(tl::ChannelOrder order, std::array<float, 3> mean, std::array<float, 3> std) {
  tl::Preprocessing preprocessing;
  preprocessing.height = preprocessing.width = 24;
  preprocessing.resize_shorter = 28;
  preprocessing.mean = mean;
  preprocessing.std = std;
  preprocessing.channel_order = order;
  return preprocessing;
}

torch::Tensor prepared(const cv::Mat& rgb, const tl::Preprocessing& preprocessing) {
  torch::Tensor chw = torch::empty({1, 3, preprocessing.height, preprocessing.width});
  tl::preprocess_for_eval(rgb, preprocessing, chw.data_ptr<float>());
  return chw;
}

TEST(InputConversion, RenormalisedImagesEqualTheOtherBackbonesOwnPreprocessing) {
  cv::Mat rgb(40, 52, CV_8UC3);
  cv::randu(rgb, cv::Scalar::all(0), cv::Scalar::all(256));
  const tl::Preprocessing rgb_half = small(tl::ChannelOrder::rgb, {0.5f, 0.5f, 0.5f}, {0.5f, 0.5f, 0.5f});
  const tl::Preprocessing bgr_imagenet =
      small(tl::ChannelOrder::bgr, {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f});
  for (const auto& [from, to] :
       {std::pair{rgb_half, bgr_imagenet}, std::pair{bgr_imagenet, rgb_half}, std::pair{rgb_half, rgb_half}}) {
    const torch::Tensor converted = tl::input_conversion(from, to).apply(prepared(rgb, from));
    EXPECT_TRUE(torch::allclose(converted, prepared(rgb, to), 1e-5, 1e-5))
        << from.describe() << " -> " << to.describe() << ": max difference "
        << (converted - prepared(rgb, to)).abs().max().item<double>();
  }
}

TEST(InputConversion, BackbonesThatNeedOtherPixelsAreRefused) {
  const tl::Preprocessing base = small(tl::ChannelOrder::rgb, {0.5f, 0.5f, 0.5f}, {0.5f, 0.5f, 0.5f});
  tl::Preprocessing larger = base;
  larger.height = larger.width = 32;
  larger.resize_shorter = 36;
  try {
    tl::input_conversion(base, larger);
    FAIL() << "expected an error";
  } catch (const tl::Error& error) {
    EXPECT_STREQ(error.what(),
                 "the backbones take different pixels (24x24 from shorter side 28 (linear) and 32x32 from shorter "
                 "side 36 (linear)), so one image tensor cannot feed both");
  }
  tl::Preprocessing antialiased = base;
  antialiased.interpolation = tl::Interpolation::antialias;
  EXPECT_THROW(tl::input_conversion(base, antialiased), tl::Error);
}

}  // namespace
