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

// A shuffle buffer: every row once, each shard's turn in a seeded order, and no row drawn before the
// window reaches it: reading runs forward through the shards, never back beyond the window.
TEST(StreamedEpochOrder, ReadsShardsForwardWithinTheWindowAndVisitsEveryRowOnce) {
  std::vector<size_t> shard_of_row;
  for (size_t shard = 0; shard < 5; ++shard) shard_of_row.insert(shard_of_row.end(), 40, shard);
  const size_t window = 16;
  auto order = tl::streamed_epoch_order(shard_of_row, window, 7, 0);
  EXPECT_EQ(order, tl::streamed_epoch_order(shard_of_row, window, 7, 0));
  EXPECT_NE(order, tl::streamed_epoch_order(shard_of_row, window, 7, 1));
  // Positions in the stream the window moved along: the shards in the order their first row came.
  std::vector<size_t> shard_order;
  for (const size_t row : order) {
    if (std::find(shard_order.begin(), shard_order.end(), shard_of_row[row]) == shard_order.end()) {
      shard_order.push_back(shard_of_row[row]);
    }
  }
  ASSERT_EQ(shard_order.size(), 5u);
  EXPECT_NE(shard_order, (std::vector<size_t>{0, 1, 2, 3, 4})) << "seeded, not in name order (for this seed)";
  std::map<size_t, size_t> stream_position;  // of each row, had the shards been read in shard_order
  for (const size_t shard : shard_order) {
    for (size_t row = shard * 40; row < shard * 40 + 40; ++row) stream_position[row] = stream_position.size();
  }
  size_t displaced = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    EXPECT_LT(stream_position[order[i]], i + window) << "drawn before the window reached it";
    displaced += stream_position[order[i]] != i;
  }
  EXPECT_GT(displaced, order.size() / 2) << "neighbours are mixed";
  std::sort(order.begin(), order.end());
  std::vector<size_t> all(shard_of_row.size());
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(order, all);
}
