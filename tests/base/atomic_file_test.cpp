// Atomic replacement: the target holds the old or the new content, and no temporary is left behind.
#include "tl/base/atomic_file.hpp"

#include <future>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

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

// Renaming over a link would replace the user's link with a plain file; the file it names is written.
TEST(AtomicFile, ASymlinkIsWrittenThroughAndSurvives) {
  TempDirectory dir;
  tl::write_file_atomically(dir / "real.json", "old");
  std::filesystem::create_symlink("real.json", dir / "link.json");
  tl::write_file_atomically(dir / "link.json", "new");
  EXPECT_TRUE(std::filesystem::is_symlink(dir / "link.json"));
  EXPECT_EQ(read_file(dir / "real.json"), "new");

  std::filesystem::create_symlink(dir / "missing.json", dir / "dangling.json");
  tl::replace_file_atomically(
      dir / "dangling.json", [](const std::filesystem::path& temporary) { tl::write_file_atomically(temporary, "x"); });
  EXPECT_TRUE(std::filesystem::is_symlink(dir / "dangling.json"));
  EXPECT_EQ(read_file(dir / "missing.json"), "x");
}

TEST(AtomicFile, AFifoIsWrittenToNotReplaced) {
  TempDirectory dir;
  const std::filesystem::path fifo = dir / "out.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto reader = std::async(std::launch::async, [&] { return read_file(fifo); });
  tl::write_file_atomically(fifo, "through the pipe");
  EXPECT_EQ(reader.get(), "through the pipe");
  EXPECT_EQ(std::filesystem::status(fifo).type(), std::filesystem::file_type::fifo);
}

// /dev/stdout names descriptor 1 of whoever opens it: the bytes go to this process's descriptor.
TEST(AtomicFile, ADescriptorPathWritesToThatDescriptor) {
  int ends[2];
  ASSERT_EQ(::pipe(ends), 0);
  tl::write_file_atomically("/dev/fd/" + std::to_string(ends[1]), "json");
  tl::replace_file_atomically("/proc/self/fd/" + std::to_string(ends[1]), [](const std::filesystem::path& temporary) {
    tl::write_file_atomically(temporary, " and a model");
  });
  ::close(ends[1]);
  std::string received;
  char buffer[64];
  for (ssize_t n; (n = ::read(ends[0], buffer, sizeof buffer)) > 0;) received.append(buffer, static_cast<size_t>(n));
  ::close(ends[0]);
  EXPECT_EQ(received, "json and a model");
}

}  // namespace
