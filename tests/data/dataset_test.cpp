// Dataset layouts on the real ../shared data and on small trees built in a temp directory.
#include "tl/data/dataset.hpp"

#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "support/shared_data.hpp"
#include "support/temp_directory.hpp"
#include "tl/base/error.hpp"

namespace {

using tl::testing::TempDirectory;
using tl::testing::write_file;

int count_split(const tl::Dataset& dataset, tl::OfficialSplit split) {
  return static_cast<int>(std::count(dataset.official.begin(), dataset.official.end(), split));
}

std::string error_of(const tl::LayoutOptions& options) {
  try {
    tl::load_dataset(options);
  } catch (const tl::Error& error) {
    return error.what();
  }
  return "no error";
}

TEST(Dataset, ImageFolderSortsClassesAndFilesAndIgnoresNonImages) {
  TempDirectory dir;
  for (const char* file : {"zebra/b.png", "zebra/a.JPG", "ant/x.jpeg", "ant/notes.txt", "ant/.hidden.jpg",
                           "ant/Thumbs.db", "Bee/1.bmp", ".git/config.jpg"}) {
    write_file(dir / file, "bytes");
  }
  write_file(dir / "README.md", "not a class");
  const auto dataset = tl::load_image_folder(dir.path());
  EXPECT_EQ(dataset.class_names, (std::vector<std::string>{"Bee", "ant", "zebra"}));
  ASSERT_EQ(dataset.samples.size(), 4u);
  EXPECT_EQ(dataset.samples[0].path, dir / "Bee/1.bmp");
  EXPECT_EQ(dataset.samples[1].path, dir / "ant/x.jpeg");
  EXPECT_EQ(dataset.samples[1].label, 1);
  EXPECT_EQ(dataset.samples[2].path, dir / "zebra/a.JPG");
  EXPECT_EQ(dataset.samples[3].label, 2);
  EXPECT_EQ(dataset.ignored_files, 2) << "notes.txt and Thumbs.db";
  EXPECT_FALSE(dataset.has_official_split());
}

TEST(Dataset, ImageFolderErrorsNameTheRoot) {
  TempDirectory dir;
  EXPECT_EQ(error_of({tl::Layout::image_folder, dir / "absent"}),
            (dir / "absent").string() +
                ": dataset root is not a directory (expected <root>/<class>/<image>); set data.root (or --set "
                "data.root=DIR), and see data/README.md for where to get the datasets");
  EXPECT_EQ(error_of({tl::Layout::image_folder, dir.path()}),
            dir.path().string() + ": no class folders found (expected <root>/<class>/<image>)");
}

TEST(Dataset, PetImagesAcceptsTheDownloadRootOrPetImagesItself) {
  TempDirectory dir;
  write_file(dir / "PetImages/Cat/0.jpg", "x");
  write_file(dir / "PetImages/Dog/0.jpg", "x");
  write_file(dir / "PetImages/Dog/Thumbs.db", "x");
  const auto from_root = tl::load_dataset({tl::Layout::petimages, dir.path()});
  const auto from_pet_images = tl::load_dataset({tl::Layout::petimages, dir / "PetImages"});
  EXPECT_EQ(from_root.class_names, (std::vector<std::string>{"Cat", "Dog"}));
  EXPECT_EQ(from_root.samples.size(), 2u);
  EXPECT_EQ(from_pet_images.samples.size(), 2u);
  EXPECT_EQ(from_root.ignored_files, 1);
}

TEST(Dataset, PetImagesWithoutCatAndDogIsAClearError) {
  TempDirectory dir;
  write_file(dir / "PetImages/Cat/0.jpg", "x");
  EXPECT_NE(error_of({tl::Layout::petimages, dir.path()}).find("PetImages/Dog: missing; the petimages layout is"),
            std::string::npos);
}

TEST(Dataset, OxfordPetsOnASmallTree) {
  TempDirectory dir;
  write_file(dir / "annotations/list.txt",
             "#Image CLASS-ID SPECIES BREED ID\nAbyssinian_1 1 1 1\nbeagle_3 5 2 4\nAbyssinian_2 1 1 1\n");
  write_file(dir / "annotations/trainval.txt", "Abyssinian_1 1 1 1\r\nbeagle_3 5 2 4\r\n");
  write_file(dir / "annotations/test.txt", "Abyssinian_2 1 1 1\n");
  write_file(dir / "images/Abyssinian_1.mat", "not an image");
  const auto breeds = tl::load_oxford_pets(dir.path(), tl::OxfordTarget::breed);
  EXPECT_EQ(breeds.class_names, (std::vector<std::string>{"Abyssinian", "beagle"}));
  ASSERT_EQ(breeds.samples.size(), 3u);
  EXPECT_EQ(breeds.samples[0].path, dir / "images/Abyssinian_1.jpg");
  EXPECT_EQ(breeds.samples[2].label, 1);
  EXPECT_EQ(count_split(breeds, tl::OfficialSplit::test), 1);
  const auto species = tl::load_oxford_pets(dir.path(), tl::OxfordTarget::species);
  EXPECT_EQ(species.class_names, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(species.samples[2].label, 1);
}

TEST(Dataset, OxfordPetsMalformedAnnotationNamesFileAndLine) {
  TempDirectory dir;
  write_file(dir / "images/a_1.jpg", "x");
  write_file(dir / "annotations/trainval.txt", "Abyssinian_1 1 1 1\nAbyssinian_2 one 1 1\n");
  write_file(dir / "annotations/test.txt", "");
  EXPECT_EQ(error_of({tl::Layout::oxford_pets, dir.path(), tl::OxfordTarget::breed}),
            (dir / "annotations/trainval.txt").string() +
                ":2: expected \"Image CLASS-ID SPECIES BREED-ID\" (class id >= 1, species 1 or 2), got "
                "\"Abyssinian_2 one 1 1\"");
  write_file(dir / "annotations/trainval.txt", "Abyssinian_1 1 1 1\nBengal_1 1 1 2\n");
  EXPECT_NE(error_of({tl::Layout::oxford_pets, dir.path(), tl::OxfordTarget::breed})
                .find("class id 1 names both \"Abyssinian\" and \"Bengal\""),
            std::string::npos);
}

}  // namespace

// Samples keep their paths as strings but sort as std::filesystem::path does (element by element:
// "a/b" before "a-b", where plain string order puts '-' first), so splits stay what they were.
TEST(ComparePaths, OrdersPathStringsAsStdFilesystemPathDoes) {
  const auto sign = [](int value) { return (value > 0) - (value < 0); };
  EXPECT_LT(tl::compare_paths("a/b", "a-b"), 0);
  EXPECT_GT(std::string("a/b").compare("a-b"), 0) << "which string order gets wrong";
  uint64_t state = 7;
  const auto random_path = [&] {
    std::string path;
    const int length = static_cast<int>((state = state * 6364136223846793005ULL + 1442695040888963407ULL) >> 61);
    for (int i = 0; i < length; ++i) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      path += "ab-./"[(state >> 40) % 5];
    }
    return path;
  };
  for (int trial = 0; trial < 20000; ++trial) {
    const std::string a = random_path(), b = random_path();
    ASSERT_EQ(tl::compare_paths(a, b), sign(std::filesystem::path(a).compare(std::filesystem::path(b))))
        << "\"" << a << "\" against \"" << b << "\"";
  }
}
