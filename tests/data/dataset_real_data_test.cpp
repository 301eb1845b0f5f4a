// Dataset layouts on the real ../shared data.
#include <algorithm>

#include <gtest/gtest.h>

#include "support/shared_data.hpp"
#include "tl/data/dataset.hpp"

namespace {

int count_split(const tl::Dataset& dataset, tl::OfficialSplit split) {
  return static_cast<int>(std::count(dataset.official.begin(), dataset.official.end(), split));
}

TEST(Dataset, RealOxfordPetsMini) {
  TL_REQUIRE_SHARED_DATA();
  const auto breeds =
      tl::load_dataset({tl::Layout::oxford_pets, tl::testing::oxford_pets_root(), tl::OxfordTarget::breed});
  EXPECT_EQ(breeds.class_names.size(), 37u);
  EXPECT_EQ(breeds.class_names.front(), "Abyssinian");
  EXPECT_EQ(breeds.class_names[1], "american_bulldog");
  EXPECT_EQ(breeds.class_names.back(), "yorkshire_terrier");
  EXPECT_EQ(count_split(breeds, tl::OfficialSplit::trainval), 527);
  EXPECT_EQ(count_split(breeds, tl::OfficialSplit::test), 136);
  const auto species =
      tl::load_dataset({tl::Layout::oxford_pets, tl::testing::oxford_pets_root(), tl::OxfordTarget::species});
  EXPECT_EQ(species.samples.size(), 663u);
  const auto cats = std::count_if(species.samples.begin(), species.samples.end(), [](auto& s) { return s.label == 0; });
  EXPECT_EQ(cats, 362);
}

TEST(Dataset, RealCatsVsDogsMini) {
  TL_REQUIRE_SHARED_DATA();
  const auto dataset = tl::load_dataset({tl::Layout::petimages, tl::testing::cats_vs_dogs_root()});
  EXPECT_EQ(dataset.class_names, (std::vector<std::string>{"Cat", "Dog"}));
  EXPECT_EQ(dataset.samples.size(), 2002u);
  EXPECT_TRUE(
      std::is_sorted(dataset.samples.begin(), dataset.samples.end(), [](auto& a, auto& b) { return a.path < b.path; }));
  const auto as_folder = tl::load_dataset({tl::Layout::image_folder, tl::testing::cats_vs_dogs_root() / "PetImages"});
  EXPECT_EQ(as_folder.samples.size(), 2002u);
}

}  // namespace
