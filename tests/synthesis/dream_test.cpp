// The pieces of tl-dream and tl-attack that are plain arithmetic, checked on known tensors.
#include "tl/synthesis/dream.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "tl/synthesis/adversarial_attack.hpp"

namespace {

TEST(Dream, TotalVariationSumsNeighbourDifferences) {
  // One channel [[0, 1], [1, 1]]: down |1-0| + |1-1|, right |1-0| + |1-1| -> 2 per channel.
  const auto channel = torch::tensor({0.0f, 1.0f, 1.0f, 1.0f}).view({1, 1, 2, 2});
  EXPECT_FLOAT_EQ(tl::total_variation(channel.expand({1, 3, 2, 2})).item<float>(), 6.0f);
  EXPECT_FLOAT_EQ(tl::total_variation(torch::full({1, 3, 8, 8}, 0.3f)).item<float>(), 0.0f);
}

TEST(Attack, PerturbationImageMapsTheBudgetToBlackAndWhite) {
  const auto source = torch::full({1, 3, 1, 3}, 0.5f);
  auto adversarial = source.clone();
  adversarial[0][0][0][0] = 0.5f + 8.0f / 255;
  adversarial[0][0][0][1] = 0.5f - 8.0f / 255;
  const auto image = tl::perturbation_image(source, adversarial, 8.0);
  EXPECT_NEAR(image[0][0][0][0].item<float>(), 1.0f, 1e-5);
  EXPECT_NEAR(image[0][0][0][1].item<float>(), 0.0f, 1e-5);
  EXPECT_NEAR(image[0][0][0][2].item<float>(), 0.5f, 1e-5);
}

TEST(Attack, QuantizedPixelsAreWhole8BitLevels) {
  const auto pixels = torch::tensor({-0.2f, 0.1234f, 0.5f, 1.7f});
  const auto levels = tl::quantize_pixels(pixels) * 255;
  EXPECT_TRUE(torch::allclose(levels, levels.round()));
  EXPECT_FLOAT_EQ(levels[0].item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(levels[3].item<float>(), 255.0f);
}

}  // namespace
