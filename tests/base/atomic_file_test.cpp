// Atomic replacement: the target holds the old or the new content, and no temporary is left behind.
#include "tl/base/atomic_file.hpp"

#include <gtest/gtest.h>

#include "support/temp_directory.hpp"
#include "tl/base/error.hpp"

namespace {

using tl::testing::read_file;
using tl::testing::TempDirectory;

size_t entries(const std::filesystem::path& directory) {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(directory), {}));
}

TEST(AtomicFile, ReplacesContentAndLeavesNoTemporary) {
  TempDirectory dir;
  tl::write_file_atomically(dir / "a.json", "first");
  tl::write_file_atomically(dir / "a.json", "second");
  EXPECT_EQ(read_file(dir / "a.json"), "second");
  EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(AtomicFile, AFailedWriterKeepsTheOldFile) {
  TempDirectory dir;
  tl::write_file_atomically(dir / "a.pt", "old");
  EXPECT_THROW(tl::replace_file_atomically(dir / "a.pt",
                                           [](const std::filesystem::path& temporary) {
                                             tl::write_file_atomically(temporary, "half");
                                             throw tl::Error("crash in the middle");
                                           }),
               tl::Error);
  EXPECT_EQ(read_file(dir / "a.pt"), "old");
  EXPECT_EQ(entries(dir.path()), 1u) << "the temporary file was removed";
}

TEST(AtomicFile, UnwritableDirectoryNamesThePath) {
  try {
    tl::write_file_atomically("/nonexistent-dir/x.json", "x");
    FAIL() << "expected an error";
  } catch (const tl::Error& error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent-dir/"), std::string::npos);
  }
}

}  // namespace
