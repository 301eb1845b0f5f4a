// The real MobileNetV2 of ../shared loads with its metadata and gives 1,280 features per image.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "support/shared_data.hpp"
#include "tl/features/backbone.hpp"

namespace {

TEST(Backbone, RealMobileNetV2LoadsWithItsMetadata) {
  TL_REQUIRE_SHARED_DATA();
  tl::ModelConfig model;
  model.backbone = tl::testing::model_dir("mobilenet_v2_1.0_224_ptq") / "backbone.pt";
  const auto loaded = tl::load_backbone(model, tl::DataConfig{}, torch::kCPU);
  EXPECT_EQ(loaded.backbone->feature_dim(), 1280);
  EXPECT_EQ(loaded.preprocessing.height, 224);
  const auto features = loaded.backbone->features(torch::zeros({2, 3, 224, 224}));
  EXPECT_EQ(features.sizes(), (std::vector<int64_t>{2, 1280}));
}

}  // namespace
