// The checkpoint zip check on archives that lie about their layout.
#include "tl/base/zip_integrity.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include "support/shared_data.hpp"
#include "support/temp_directory.hpp"

namespace {

void put(std::string& bytes, uint64_t value, int count) {
  for (int i = 0; i < count; ++i) bytes += static_cast<char>((value >> (8 * i)) & 0xFF);
}

// A one-entry zip whose central directory says the entry is `method` (0 stored, 8 deflated), holds
// `data` and inflates to `claimed` bytes, with `data`'s CRC-32.
std::string one_entry_zip(int method, const std::string& data, uint64_t claimed) {
  const std::string name = "archive/data/0";
  const uint32_t crc =
      static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
  std::string zip;
  put(zip, 0x04034b50, 4), put(zip, 20, 2), put(zip, 0, 2), put(zip, method, 2), put(zip, 0, 4), put(zip, crc, 4);
  put(zip, data.size(), 4), put(zip, claimed, 4), put(zip, name.size(), 2), put(zip, 0, 2);
  zip += name + data;
  const uint64_t directory = zip.size();
  put(zip, 0x02014b50, 4), put(zip, 20, 2), put(zip, 20, 2), put(zip, 0, 2), put(zip, method, 2), put(zip, 0, 4);
  put(zip, crc, 4), put(zip, data.size(), 4), put(zip, claimed, 4), put(zip, name.size(), 2), put(zip, 0, 2);
  put(zip, 0, 2), put(zip, 0, 2), put(zip, 0, 2), put(zip, 0, 4), put(zip, 0, 4);
  zip += name;
  const uint64_t directory_size = zip.size() - directory;
  put(zip, 0x06054b50, 4), put(zip, 0, 2), put(zip, 0, 2), put(zip, 1, 2), put(zip, 1, 2);
  put(zip, directory_size, 4), put(zip, directory, 4), put(zip, 0, 2);
  return zip;
}

// A 5 MB backbone whose one entry inflated to 4 GiB once loaded and trained (4.4 GB at its peak).
TEST(ZipIntegrity, EntriesThatInflatePastTheLimitsAreRefusedUnread) {
  const std::string data(1000, 'w');
  EXPECT_FALSE(tl::zip_damage(one_entry_zip(0, data, data.size())).has_value());
  EXPECT_EQ(tl::zip_damage(one_entry_zip(8, data, 4000ULL << 20)).value_or("intact"),
            "entry archive/data/0: 1000 bytes inflate to 4194304000, more than 100 times (a decompression bomb?)");
  EXPECT_EQ(tl::zip_damage(one_entry_zip(0, data, 4000ULL << 20)).value_or("intact"),
            "entry archive/data/0: stored uncompressed, yet its 1000 bytes claim to be 4194304000");
  EXPECT_EQ(tl::zip_damage(one_entry_zip(8, data, 50'000), {10'000, 100}).value_or("intact"),
            "entry archive/data/0: inflates to 50000 bytes (limit 10000)");
}

// What tests/fuzz/checkpoint_fuzzer found, replayed in every build (the ASan unit tests catch a relapse).
TEST(ZipIntegrity, FuzzerFindingsStayFixed) {
  int replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(tl::testing::tests_dir() / "fuzz/corpus/checkpoint")) {
    if (entry.path().filename().string().rfind("regression-", 0) != 0) continue;
    EXPECT_TRUE(tl::zip_damage(tl::testing::read_file(entry.path())).has_value()) << entry.path();
    ++replayed;
  }
  EXPECT_GE(replayed, 1);
}

TEST(ZipIntegrity, TheSeedArchivesAreIntact) {
  for (const char* seed : {"stored.zip", "deflated.zip"}) {
    const auto damage =
        tl::zip_damage(tl::testing::read_file(tl::testing::tests_dir() / "fuzz/corpus/checkpoint" / seed));
    EXPECT_FALSE(damage.has_value()) << seed << ": " << *damage;
  }
}

}  // namespace
