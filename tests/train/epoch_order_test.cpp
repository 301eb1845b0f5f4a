// The order of a training epoch: a seeded permutation, or class-balanced draws.
#include "tl/train/epoch_order.hpp"

#include <algorithm>
#include <map>
#include <numeric>

#include <gtest/gtest.h>

namespace {

// Pet-like imbalance: one class of 120 samples, three of 6.
std::vector<int64_t> imbalanced_labels() {
  std::vector<int64_t> labels(120, 0);
  for (int64_t c = 1; c <= 3; ++c) labels.insert(labels.end(), 6, c);
  return labels;
}

TEST(EpochOrder, ShuffleVisitsEveryRowOnceInAnOrderSeededPerEpoch) {
  const auto labels = imbalanced_labels();
  auto order = tl::epoch_order(labels, tl::Sampling::shuffle, 3, 0);
  EXPECT_EQ(order, tl::epoch_order(labels, tl::Sampling::shuffle, 3, 0));
  EXPECT_NE(order, tl::epoch_order(labels, tl::Sampling::shuffle, 3, 1));
  std::sort(order.begin(), order.end());
  std::vector<size_t> all(labels.size());
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(order, all);
}

TEST(EpochOrder, BalancedDrawsGiveEveryClassAboutTheSameShare) {
  const auto labels = imbalanced_labels();
  std::map<int64_t, int> draws_per_class;
  std::map<size_t, int> draws_per_row;
  for (int epoch = 0; epoch < 10; ++epoch) {
    const auto order = tl::epoch_order(labels, tl::Sampling::balanced, 3, epoch);
    ASSERT_EQ(order.size(), labels.size());
    for (const size_t row : order) {
      ++draws_per_class[labels[row]];
      ++draws_per_row[row];
    }
  }
  const int total = 10 * static_cast<int>(labels.size());
  for (int64_t c = 0; c < 4; ++c) {
    EXPECT_GT(draws_per_class[c], total / 4 * 0.8) << "class " << c;
    EXPECT_LT(draws_per_class[c], total / 4 * 1.2) << "class " << c;
  }
  EXPECT_GT(draws_per_row.size(), 100u) << "the large class is not reduced to a few rows";
  EXPECT_EQ(tl::epoch_order(labels, tl::Sampling::balanced, 3, 2),
            tl::epoch_order(labels, tl::Sampling::balanced, 3, 2));
}

}  // namespace
