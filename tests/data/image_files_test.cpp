// What tl-predict makes of the files, folders and lists a user names.
#include "tl/data/image_files.hpp"

#include <gtest/gtest.h>

#include "support/error_of.hpp"
#include "support/temp_directory.hpp"

namespace {

namespace fs = std::filesystem;
using tl::testing::write_file;

TEST(ImageFiles, FoldersAreWalkedListsReadAndFilesTakenAsGiven) {
  tl::testing::TempDirectory dir;
  write_file(dir / "photos/b.jpg", "x");
  write_file(dir / "photos/a.PNG", "x");
  write_file(dir / "photos/deeper/c.jpeg", "x");
  write_file(dir / "photos/.hidden/d.jpg", "x");
  write_file(dir / "photos/.e.jpg", "x");
  write_file(dir / "photos/notes.txt", "x");
  fs::create_directory_symlink(dir / "photos", dir / "photos/deeper/loop");
  write_file(dir / "one.dat", "x");
  write_file(dir / "lists/list.txt", "# two photos\n../photos/b.jpg\r\n\n" + (dir / "one.dat").string() + "\n");

  const tl::ImageFiles found = tl::list_image_files(
      {(dir / "photos").string(), "@" + (dir / "lists/list.txt").string(), (dir / "one.dat").string()});
  const std::vector<fs::path> expected = {
      dir / "photos/a.PNG",          dir / "photos/b.jpg", dir / "photos/deeper/c.jpeg",
      dir / "lists/../photos/b.jpg", dir / "one.dat",      dir / "one.dat"};
  EXPECT_EQ(found.images, expected) << "hidden entries, other files and the symlinked folder left out";
  EXPECT_EQ(found.ignored_files, 1u);
}

TEST(ImageFiles, WhatDoesNotExistIsNamedWithItsListLine) {
  tl::testing::TempDirectory dir;
  write_file(dir / "list.txt", "\nmissing.jpg\n");
  EXPECT_NE(tl::testing::error_of([&] {
              tl::list_image_files({"@" + (dir / "list.txt").string()});
            }).find("list.txt:2: missing.jpg: no such file or folder"),
            std::string::npos);
  EXPECT_NE(tl::testing::error_of([&] {
              tl::list_image_files({(dir / "nothing").string()});
            }).find("nothing: no such file or folder"),
            std::string::npos);
  EXPECT_NE(tl::testing::error_of([&] {
              tl::list_image_files({"@" + (dir / "no_list.txt").string()});
            }).find("no_list.txt: missing"),
            std::string::npos);
}

}  // namespace
