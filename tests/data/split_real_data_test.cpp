// The real Cats-vs-Dogs split is pinned: a change would move photos between train and test for everyone.
#include <cstdint>

#include <gtest/gtest.h>

#include "support/shared_data.hpp"
#include "tl/data/split.hpp"

namespace {

TEST(Split, RealCatsVsDogsSplitIsPinned) {
  TL_REQUIRE_SHARED_DATA();
  const auto dataset = tl::load_dataset({tl::Layout::petimages, tl::testing::cats_vs_dogs_root()});
  const auto split = tl::make_split(dataset, {0.15, 0.15, 0});
  EXPECT_EQ(split.test.size(), 300u);
  EXPECT_EQ(split.val.size(), 300u);
  EXPECT_EQ(split.train.size(), 1402u);
  // Pinned membership (FNV-1a over "Class/file" of every test sample): identical on every machine
  // and standard library. If this changes, every user's held-out split changed.
  uint64_t hash = 14695981039346656037ull;
  for (size_t index : split.test) {
    const std::filesystem::path path(dataset.samples[index].path);
    for (char c : path.parent_path().filename().string() + "/" + path.filename().string() + "\n") {
      hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    }
  }
  EXPECT_EQ(hash, 4937644074777092062ull);
}

}  // namespace
