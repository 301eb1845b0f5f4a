// The real MobileNetV2 of ../shared loads with its metadata and gives 1,280 features per image, and
// cuts for fine-tuning where its unfrozen blocks begin.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "support/shared_data.hpp"
#include "tl/features/backbone.hpp"
#include "tl/features/parameter_selection.hpp"

namespace {

TEST(Backbone, RealMobileNetV2LoadsWithItsMetadata) {
  TL_REQUIRE_SHARED_DATA();
  const tl::BackboneSource source{tl::testing::model_dir("mobilenet_v2_1.0_224_ptq") / "backbone.pt", std::nullopt,
                                  std::nullopt};
  const auto loaded = tl::load_backbone(source, tl::DataConfig{}, torch::kCPU);
  EXPECT_EQ(loaded.backbone->feature_dim(), 1280);
  EXPECT_EQ(loaded.preprocessing.height, 224);
  const auto features = loaded.backbone->features(torch::zeros({2, 3, 224, 224}));
  EXPECT_EQ(features.sizes(), (std::vector<int64_t>{2, 1280}));
}

TEST(Backbone, RealMobileNetV2CutsBeforeItsLastTwoBlocksAndGivesTheSameFeatures) {
  TL_REQUIRE_SHARED_DATA();
  const tl::BackboneSource source{tl::testing::model_dir("mobilenet_v2_1.0_224_ptq") / "backbone.pt", std::nullopt,
                                  std::nullopt};
  const auto loaded = tl::load_backbone(source, tl::DataConfig{}, torch::kCPU);
  tl::Backbone& backbone = *loaded.backbone;
  backbone.unfreeze(tl::parameters_of_last_blocks(backbone.parameter_names(), 2), false);
  std::string why_not;
  const auto prefix = backbone.split_frozen_prefix(224, 224, why_not);
  ASSERT_TRUE(prefix) << why_not;
  EXPECT_EQ(prefix->cut, "features.17");
  EXPECT_EQ(prefix->activation_shape, (std::vector<int64_t>{160, 7, 7}));
  torch::manual_seed(4);
  const auto images = torch::rand({2, 3, 224, 224}) * 2 - 1;
  const auto whole = backbone.differentiable_features(images);
  const auto cut = backbone.features_from_prefix(backbone.prefix_activations(images));
  EXPECT_TRUE(torch::allclose(cut, whole, 1e-4, 1e-5)) << (cut - whole).abs().max().item<double>();
}

}  // namespace
