// The keyed generator decides splits, epoch orders and augmented views on every machine: its first
// outputs are pinned, so a change to it is a deliberate one (it changes every user's splits).
#include "tl/base/random.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>

namespace {

TEST(Random, IsSplitMix64) {
  // The reference SplitMix64 (Steele, Lea and Flood 2014; Vigna's splitmix64.c) from state 0.
  EXPECT_EQ(tl::KeyedRandom(0).next(), 0xE220A8397B1DCDAFull);
}

TEST(Random, FirstOutputsArePinned) {
  tl::KeyedRandom random(42);
  EXPECT_EQ(random.next(), 13679457532755275413ull);
  EXPECT_EQ(random.next(), 2949826092126892291ull);
  EXPECT_EQ(tl::mix_key(0, 0), 16294208416658607535ull);
  EXPECT_EQ(tl::stream_key(7, tl::RandomStream::epoch_order), 1430780392665980971ull);
  std::vector<size_t> items(10);
  std::iota(items.begin(), items.end(), 0);
  tl::portable_shuffle(items, 42);
  EXPECT_EQ(items, (std::vector<size_t>{0, 9, 5, 8, 6, 4, 7, 2, 1, 3}));
}

TEST(Random, TheSplitShuffleIsTheOneFinishedRunsWereSplitWith) {
  std::vector<size_t> items(10);
  std::iota(items.begin(), items.end(), 0);
  tl::split_shuffle(items, 42);
  EXPECT_EQ(items, (std::vector<size_t>{1, 7, 9, 0, 3, 8, 4, 2, 5, 6}));
}

TEST(Random, StreamsOfOneSeedDiffer) {
  std::vector<uint64_t> keys;
  for (const auto stream :
       {tl::RandomStream::epoch_order, tl::RandomStream::cached_view, tl::RandomStream::fine_tune_view,
        tl::RandomStream::crop, tl::RandomStream::flip, tl::RandomStream::jitter}) {
    keys.push_back(tl::stream_key(3, stream));
  }
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(std::unique(keys.begin(), keys.end()), keys.end());
  EXPECT_NE(tl::stream_key(3, tl::RandomStream::epoch_order), tl::stream_key(4, tl::RandomStream::epoch_order));
}

TEST(Random, BoundedDrawsAreUnbiased) {
  // 3 does not divide 2^64: a plain `% 3` would favour 0. Rejection keeps the three equally likely.
  tl::KeyedRandom random(1);
  std::map<uint64_t, int> counts;
  for (int i = 0; i < 30000; ++i) ++counts[random.below(3)];
  ASSERT_EQ(counts.size(), 3u);
  for (const auto& [value, count] : counts) EXPECT_NEAR(count, 10000, 400) << value;
  for (int i = 0; i < 1000; ++i) {
    const int value = random.integer(-2, 2);
    EXPECT_GE(value, -2);
    EXPECT_LE(value, 2);
  }
  EXPECT_EQ(tl::KeyedRandom(9).below(1), 0u);
}

TEST(Random, ShuffleIsAPermutationFixedByItsKey) {
  std::vector<size_t> items(50), again(50), other(50);
  std::iota(items.begin(), items.end(), 0);
  std::iota(again.begin(), again.end(), 0);
  std::iota(other.begin(), other.end(), 0);
  tl::portable_shuffle(items, 5);
  tl::portable_shuffle(again, 5);
  tl::portable_shuffle(other, 6);
  EXPECT_EQ(items, again);
  EXPECT_NE(items, other);
  std::sort(other.begin(), other.end());
  std::vector<size_t> expected(50);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(other, expected);
}

}  // namespace
