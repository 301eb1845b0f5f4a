// Class weights that balance the loss over unevenly sampled classes.
#include "tl/train/class_balance.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace {

TEST(ClassBalance, WeightsAreInverseClassFrequency) {
  const auto weights = tl::balanced_class_weights(torch::tensor({0, 0, 0, 1, 2, 2}, torch::kLong), 4);
  ASSERT_EQ(weights.size(0), 4);
  EXPECT_FLOAT_EQ(weights[0].item<float>(), 6.0f / (3 * 3));
  EXPECT_FLOAT_EQ(weights[1].item<float>(), 6.0f / (3 * 1));
  EXPECT_FLOAT_EQ(weights[2].item<float>(), 6.0f / (3 * 2));
  EXPECT_FLOAT_EQ(weights[3].item<float>(), 0.0f) << "a class without samples";
  const auto even = tl::balanced_class_weights(torch::tensor({0, 1, 0, 1}, torch::kLong), 2);
  EXPECT_TRUE(torch::allclose(even, torch::ones({2})));
}

}  // namespace
