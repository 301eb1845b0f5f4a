// The bounded feature cache: usage by namespace, least-recently-used eviction across namespaces,
// pruning beside a writer, and a full disk that leaves what was cached readable.
#include "tl/features/cache_budget.hpp"

#include <csignal>
#include <thread>

#include <gtest/gtest.h>
#include <sys/resource.h>

#include "support/temp_directory.hpp"
#include "tl/base/byte_size.hpp"
#include "tl/features/feature_cache.hpp"

namespace {

using tl::testing::TempDirectory;
namespace fs = std::filesystem;

constexpr int kDim = 8;
constexpr int64_t kEntryBytes = 16 + kDim * 4;  // header and values

std::string image(int index) {
  std::string hash = std::to_string(index);
  return std::string(64 - hash.size(), 'a') + hash;
}

void store(tl::FeatureCache& cache, int index) {
  const std::vector<float> values(kDim, static_cast<float>(index));
  cache.store(image(index), values.data(), kDim);
}

fs::path entry_of(const tl::FeatureCache& cache, int index) {
  return cache.directory() / image(index).substr(0, 2) / (image(index) + ".feat");
}

TEST(CacheBudget, UsageCountsEveryNamespaceAndSaysWhatItHolds) {
  TempDirectory dir;
  tl::FeatureCache first(dir.path(), "backbone-a", "size=224");
  tl::FeatureCache second(dir.path(), "backbone-b-BFloat16", "size=128");
  for (int i = 0; i < 3; ++i) store(first, i);
  for (int i = 0; i < 2; ++i) store(second, i);
  const tl::CacheUsage usage = tl::cache_usage(dir.path());
  EXPECT_EQ(usage.entries, 5);
  EXPECT_EQ(usage.bytes, 5 * kEntryBytes);
  ASSERT_EQ(usage.namespaces.size(), 2u);
  EXPECT_EQ(usage.namespaces[0].entries, 3) << "largest first";
  EXPECT_EQ(usage.namespaces[0].description, "backbone-a\nsize=224");
  EXPECT_EQ(usage.namespaces[1].description, "backbone-b-BFloat16\nsize=128");
  EXPECT_EQ(tl::cache_usage(dir / "absent").entries, 0);
}

TEST(CacheBudget, PruningRemovesTheEntriesUsedLongestAgoWhicheverNamespace) {
  TempDirectory dir;
  tl::FeatureCache first(dir.path(), "backbone-a", "size=224");
  tl::FeatureCache second(dir.path(), "backbone-b", "size=224");
  const auto now = fs::file_time_type::clock::now();
  // Entries 0..5, alternating namespaces, last used an hour apart: 0 the oldest.
  for (int i = 0; i < 6; ++i) {
    tl::FeatureCache& cache = i % 2 == 0 ? first : second;
    store(cache, i);
    fs::last_write_time(entry_of(cache, i), now - std::chrono::hours(10 - i));
  }
  ASSERT_TRUE(first.load(image(0), kDim).has_value()) << "reading entry 0 makes it the most recently used";

  const tl::PruneResult pruned = tl::prune_cache(dir.path(), 3 * kEntryBytes);
  EXPECT_EQ(pruned.removed_entries, 3);
  EXPECT_EQ(pruned.removed_bytes, 3 * kEntryBytes);
  EXPECT_EQ(pruned.kept_bytes, 3 * kEntryBytes);
  EXPECT_TRUE(fs::exists(entry_of(first, 0)));
  EXPECT_FALSE(fs::exists(entry_of(second, 1)));
  EXPECT_FALSE(fs::exists(entry_of(first, 2)));
  EXPECT_FALSE(fs::exists(entry_of(second, 3)));
  EXPECT_TRUE(fs::exists(entry_of(first, 4)));
  EXPECT_TRUE(fs::exists(entry_of(second, 5)));
  EXPECT_TRUE(fs::exists(first.directory() / "namespace.txt")) << "only entries are evicted";
  EXPECT_EQ(tl::prune_cache(dir.path(), 3 * kEntryBytes).removed_entries, 0) << "within its budget: nothing goes";

  EXPECT_EQ(tl::prune_target(1000), 900);
  const int64_t budget = tl::default_cache_budget(dir / "not/yet/made");
  EXPECT_GE(budget, int64_t{1} << 30);
  EXPECT_LE(budget, int64_t{100} << 30);
}

// A writer storing while another process prunes hard: every entry left reads back intact (no half
// written file is ever visible), and the writer never fails.
TEST(CacheBudget, PruningBesideAWriterLeavesOnlyIntactEntries) {
  TempDirectory dir;
  tl::FeatureCache writer(dir.path(), "backbone-a", "size=224");
  std::thread pruner([&] {
    for (int round = 0; round < 200; ++round) tl::prune_cache(dir.path(), 20 * kEntryBytes);
  });
  for (int i = 0; i < 400; ++i) store(writer, i);
  pruner.join();
  EXPECT_EQ(writer.statistics().stored, 400) << "a pruned folder never stops a store";
  tl::FeatureCache reader(dir.path(), "backbone-a", "size=224");
  int found = 0;
  for (int i = 0; i < 400; ++i) {
    if (const auto values = reader.load(image(i), kDim)) {
      ++found;
      EXPECT_EQ((*values)[0], static_cast<float>(i));
    }
  }
  EXPECT_EQ(reader.statistics().damaged, 0);
  EXPECT_EQ(found, tl::cache_usage(dir.path()).entries);
}

// A disk that fills (here: a file size limit, which fails writes as a full disk does) stops the
// cache's writes with a warning; what it held still reads, and no temporary file is left behind.
TEST(CacheBudget, AFullDiskLeavesTheCacheReadable) {
  TempDirectory dir;
  tl::FeatureCache cache(dir.path(), "backbone-a", "size=224");
  store(cache, 0);
  rlimit previous{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &previous), 0);
  const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit limited = previous;
  limited.rlim_cur = kEntryBytes / 2;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  store(cache, 1);
  store(cache, 2);
  ::setrlimit(RLIMIT_FSIZE, &previous);
  std::signal(SIGXFSZ, previous_handler);

  EXPECT_EQ(cache.statistics().stored, 1);
  EXPECT_TRUE(cache.load(image(0), kDim).has_value());
  EXPECT_FALSE(cache.load(image(1), kDim).has_value());
  EXPECT_EQ(cache.statistics().damaged, 0) << "a failed write leaves no entry, not half of one";
  for (const auto& file : fs::recursive_directory_iterator(dir.path())) {
    const std::string name = file.path().filename().string();
    EXPECT_TRUE(file.is_directory() || name == "namespace.txt" || file.path().extension() == ".feat") << name;
  }
}

TEST(ByteSize, ParsesWhatPeopleWriteAndPrintsItBack) {
  EXPECT_EQ(tl::parse_byte_size("123456"), 123456);
  EXPECT_EQ(tl::parse_byte_size("20G"), int64_t{20} << 30);
  EXPECT_EQ(tl::parse_byte_size("1.5T"), int64_t{3} << 39);
  EXPECT_EQ(tl::parse_byte_size("500MiB"), int64_t{500} << 20);
  EXPECT_EQ(tl::parse_byte_size("64K"), 65536);
  EXPECT_FALSE(tl::parse_byte_size("20X").has_value());
  EXPECT_FALSE(tl::parse_byte_size("lots").has_value());
  EXPECT_FALSE(tl::parse_byte_size("-5G").has_value());
  EXPECT_EQ(tl::byte_size_text(512), "512 B");
  EXPECT_EQ(tl::byte_size_text(int64_t{3} << 29), "1.5 GiB");
}

}  // namespace
