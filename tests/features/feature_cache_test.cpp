// The feature cache's file level: round trips, namespaces, and damage that must never be trusted.
#include "tl/features/feature_cache.hpp"

#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/temp_directory.hpp"
#include "tl/config/cache_directory.hpp"

namespace {

using tl::testing::TempDirectory;

const std::string kImage(64, 'c');  // stands for an image's sha256

std::filesystem::path only_entry(const std::filesystem::path& directory) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(directory)) {
    if (entry.path().extension() == ".feat") return entry.path();
  }
  return {};
}

TEST(FeatureCache, StoresAndLoadsExactly) {
  TempDirectory dir;
  tl::FeatureCache cache(dir.path(), "backbone-a", "size=224");
  EXPECT_FALSE(cache.load(kImage, 3).has_value());
  const std::vector<float> features{1.5f, -2.25f, 3e-7f};
  cache.store(kImage, features.data(), 3);
  const auto loaded = cache.load(kImage, 3);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(*loaded, features);
  EXPECT_EQ(cache.statistics().hits, 1);
  EXPECT_EQ(cache.statistics().misses, 1);
  EXPECT_EQ(cache.statistics().stored, 1);
}

TEST(FeatureCache, BackboneAndPreprocessingSeparateTheEntries) {
  TempDirectory dir;
  const std::vector<float> features{1, 2};
  tl::FeatureCache(dir.path(), "backbone-a", "size=224").store(kImage, features.data(), 2);
  EXPECT_TRUE(tl::FeatureCache(dir.path(), "backbone-a", "size=224").load(kImage, 2).has_value());
  EXPECT_FALSE(tl::FeatureCache(dir.path(), "backbone-b", "size=224").load(kImage, 2).has_value());
  EXPECT_FALSE(tl::FeatureCache(dir.path(), "backbone-a", "size=192").load(kImage, 2).has_value());
}

// A cache holding one entry, for kImage, and that entry's file.
class OneEntryCache : public ::testing::Test {
 protected:
  void SetUp() override {
    cache.store(kImage, features.data(), 4);
    entry = only_entry(dir.path());
    ASSERT_FALSE(entry.empty());
  }

  TempDirectory dir;
  tl::FeatureCache cache{dir.path(), "b", "p"};
  const std::vector<float> features{1, 2, 3, 4};
  std::filesystem::path entry;
};

TEST_F(OneEntryCache, DamagedEntriesAreMissesNeverData) {
  const std::string intact = tl::testing::read_file(entry);

  std::string flipped = intact;
  flipped[flipped.size() - 3] ^= 0x10;  // one bit in the payload
  tl::testing::write_file(entry, flipped);
  EXPECT_FALSE(cache.load(kImage, 4).has_value());

  tl::testing::write_file(entry, intact.substr(0, intact.size() - 4));
  EXPECT_FALSE(cache.load(kImage, 4).has_value());

  tl::testing::write_file(entry, intact);
  EXPECT_FALSE(cache.load(kImage, 5).has_value()) << "a different feature size is not this entry";
  EXPECT_EQ(cache.statistics().damaged, 3);

  cache.store(kImage, features.data(), 4);  // recomputed and rewritten
  EXPECT_EQ(cache.load(kImage, 4), features);
}

// A FIFO or a link to a device in an entry's place would block the open or never end.
TEST_F(OneEntryCache, ASpecialFileInAnEntrysPlaceIsDamagedNotWaitedOn) {
  std::filesystem::remove(entry);
  ASSERT_EQ(::mkfifo(entry.c_str(), 0600), 0);
  EXPECT_FALSE(cache.load(kImage, 4).has_value());
  std::filesystem::remove(entry);
  std::filesystem::create_symlink("/dev/zero", entry);
  EXPECT_FALSE(cache.load(kImage, 4).has_value());
  EXPECT_EQ(cache.statistics().damaged, 2);
}

// Copying one valid entry over the others once trained silently at chance: each entry's checksum
// covers its key. A NaN is damage too, not something for the optimiser to find.
TEST(FeatureCache, AnEntryUnderAnotherImagesNameOrHoldingNanIsDamaged) {
  TempDirectory dir;
  tl::FeatureCache cache(dir.path(), "backbone-a", "size=224");
  const std::string other(64, 'd');
  const std::vector<float> features{1, 2, 3}, other_features{4, 5, 6};
  cache.store(kImage, features.data(), 3);
  cache.store(other, other_features.data(), 3);
  const auto entry = [&](const std::string& image) {
    return cache.directory() / image.substr(0, 2) / (image + ".feat");
  };
  std::filesystem::copy_file(entry(kImage), entry(other), std::filesystem::copy_options::overwrite_existing);
  EXPECT_FALSE(cache.load(other, 3).has_value());
  EXPECT_EQ(cache.statistics().damaged, 1);
  EXPECT_EQ(cache.load(kImage, 3), features);

  const std::vector<float> not_a_number{1, std::nanf(""), 3};
  cache.store(other, not_a_number.data(), 3);
  EXPECT_FALSE(cache.load(other, 3).has_value()) << "a NaN is never stored; the copied entry is still there";
  EXPECT_EQ(cache.statistics().damaged, 2);
}

TEST(FeatureCache, DefaultDirectoryFollowsTheEnvironment) {
  const char* saved = std::getenv("TL_CACHE_DIR");
  const std::string restore = saved ? saved : "";
  setenv("TL_CACHE_DIR", "/somewhere/cache", 1);
  EXPECT_EQ(tl::default_cache_directory(), "/somewhere/cache");
  if (saved) {
    setenv("TL_CACHE_DIR", restore.c_str(), 1);
  } else {
    unsetenv("TL_CACHE_DIR");
  }
}

}  // namespace
