// Files found in a tree anyone could fill: only regular files of bounded size are read, and nothing
// there (a FIFO, a link to /dev/zero, a symlink loop) blocks, fills memory or throws.
#include "tl/base/file_bytes.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/temp_directory.hpp"
#include "tl/base/error.hpp"
#include "tl/base/json_file.hpp"

namespace {

namespace fs = std::filesystem;
using tl::testing::TempDirectory;

TEST(ReadRegularFile, ReadsARegularFileAndFollowsLinksToOne) {
  TempDirectory dir;
  tl::testing::write_file(dir / "photo.jpg", "twelve bytes");
  fs::create_symlink(dir / "photo.jpg", dir / "link.jpg");
  EXPECT_EQ(tl::read_regular_file(dir / "photo.jpg", 100).bytes, "twelve bytes");
  EXPECT_EQ(tl::read_regular_file(dir / "link.jpg", 100).bytes, "twelve bytes");
  EXPECT_EQ(tl::read_regular_file(dir / "photo.jpg", 12).bytes, "twelve bytes") << "the limit is inclusive";
}

TEST(ReadRegularFile, SpecialFilesAreReasonsNotHangsOrExceptions) {
  TempDirectory dir;
  ASSERT_EQ(::mkfifo((dir / "fifo.jpg").c_str(), 0600), 0);
  fs::create_symlink("/dev/zero", dir / "zero.jpg");
  fs::create_symlink(dir / "loop.jpg", dir / "loop.jpg");
  fs::create_directory(dir / "folder.jpg");
  const auto reason = [&](const char* name) {
    const tl::BoundedRead read = tl::read_regular_file(dir / name, 1 << 20);
    EXPECT_FALSE(read.bytes.has_value()) << name;
    return read.error;
  };
  EXPECT_EQ(reason("fifo.jpg"), "not a regular file (a FIFO)");
  EXPECT_EQ(reason("zero.jpg"), "not a regular file (a character device)");
  EXPECT_EQ(reason("folder.jpg"), "not a regular file (a directory)");
  EXPECT_EQ(reason("loop.jpg"), "cannot open file: Too many levels of symbolic links");
  EXPECT_EQ(reason("absent.jpg"), "cannot open file");
  EXPECT_TRUE(tl::read_regular_file(dir / "absent.jpg", 1 << 20).missing);
  EXPECT_FALSE(tl::read_regular_file(dir / "fifo.jpg", 1 << 20).missing) << "there, but not a regular file";
}

// Every file tl reads goes this way: a JSON record replaced by a FIFO or a link to /dev/zero once
// hung tl-info and tl-report, or grew them to 24 GB.
TEST(ReadJsonFile, OnlyABoundedRegularFileIsParsed) {
  TempDirectory dir;
  tl::testing::write_file(dir / "summary.json", R"({"epochs": 3})");
  EXPECT_EQ(tl::read_json_file(dir / "summary.json", 100)["epochs"], 3);
  ASSERT_EQ(::mkfifo((dir / "fifo.json").c_str(), 0600), 0);
  fs::create_symlink("/dev/zero", dir / "zero.json");
  const auto error = [&](const char* name, uint64_t limit) {
    try {
      tl::read_json_file(dir / name, limit);
    } catch (const tl::Error& thrown) {
      return std::string(thrown.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("fifo.json", 100), (dir / "fifo.json").string() + ": not a regular file (a FIFO)");
  EXPECT_EQ(error("zero.json", 100), (dir / "zero.json").string() + ": not a regular file (a character device)");
  EXPECT_EQ(error("summary.json", 4), (dir / "summary.json").string() + ": file too large: 13 bytes (limit 4)");
  EXPECT_EQ(error("absent.json", 100), (dir / "absent.json").string() + ": missing");
}

TEST(ReadRegularFile, ALargerFileIsRefusedUnread) {
  TempDirectory dir;
  tl::testing::write_file(dir / "big.png", std::string(4097, 'x'));
  const tl::BoundedRead read = tl::read_regular_file(dir / "big.png", 4096);
  EXPECT_FALSE(read.bytes.has_value());
  EXPECT_EQ(read.error, "file too large: 4097 bytes (limit 4096)");
}

}  // namespace
