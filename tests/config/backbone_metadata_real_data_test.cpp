// Backbone metadata: the real ../shared files parse into the preprocessing their models need.
#include <gtest/gtest.h>

#include "support/shared_data.hpp"
#include "tl/config/backbone_metadata.hpp"

namespace {

TEST(BackboneMetadata, RealMobileNetV2) {
  TL_REQUIRE_SHARED_DATA();
  const auto backbone = tl::testing::model_dir("mobilenet_v2_1.0_224_ptq") / "backbone.pt";
  const auto metadata = tl::load_backbone_metadata(tl::default_metadata_path(backbone));
  EXPECT_EQ(metadata.feature_dim, 1280);
  EXPECT_EQ(metadata.input_height, 224);
  const auto p = metadata.preprocessing();
  EXPECT_EQ(p.resize_shorter, 256);
  EXPECT_EQ(p.interpolation, tl::Interpolation::linear);
  EXPECT_FLOAT_EQ(p.mean[1], 0.5f);
  const auto smaller = metadata.preprocessing(112);
  EXPECT_EQ(smaller.height, 112);
  EXPECT_EQ(smaller.resize_shorter, 128);
}

}  // namespace
