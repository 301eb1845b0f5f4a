// The checkpoint zip check on archives that lie about their layout.
#include "tl/base/zip_integrity.hpp"

#include <gtest/gtest.h>

#include "support/shared_data.hpp"
#include "support/temp_directory.hpp"

namespace {

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
