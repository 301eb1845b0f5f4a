// tl-info data's figures: per-class counts of the split tl-train makes, the imbalance, and the files
// that do not decode.
#include "tl/data/dataset_description.hpp"

#include <gtest/gtest.h>

#include "support/fixtures.hpp"
#include "support/temp_directory.hpp"

namespace {

using tl::testing::TempDirectory;

TEST(DatasetDescription, CountsEachSplitPerClassAndListsFilesThatDoNotDecode) {
  TempDirectory dir;
  tl::testing::make_image_folder(dir / "data", {"big", "small"}, 4, 24);
  tl::testing::make_image_folder(dir / "more", {"big"}, 8, 24);
  for (int i = 0; i < 8; ++i) {
    std::filesystem::rename(dir / "more/big" / (std::to_string(i) + ".jpg"),
                            dir / "data/big" / ("extra" + std::to_string(i) + ".jpg"));
  }
  tl::testing::write_file(dir / "data/small/cut.jpg", "\xFF\xD8\xFF");
  const tl::Dataset dataset = tl::load_dataset({tl::Layout::image_folder, dir / "data"});
  const tl::Split split = tl::make_split(dataset, {0.0, 0.0, 1});

  const nlohmann::json plain = tl::describe_dataset(dataset, split, {});
  ASSERT_EQ(plain["classes"].size(), 2u);
  EXPECT_EQ(plain["classes"][0]["name"], "big");
  EXPECT_EQ(plain["classes"][0]["train"], 12);
  EXPECT_EQ(plain["classes"][1]["train"], 5) << "the cut file is a sample until something decodes it";
  EXPECT_DOUBLE_EQ(plain["imbalance"].get<double>(), 12.0 / 5.0);
  EXPECT_EQ(plain["images"]["train"], 17);
  EXPECT_FALSE(plain.contains("undecodable")) << "decoding every file is asked for, not done by default";

  const nlohmann::json checked = tl::describe_dataset(dataset, split, {true, 2});
  ASSERT_EQ(checked["undecodable"].size(), 1u);
  EXPECT_NE(checked["undecodable"][0]["path"].get<std::string>().find("cut.jpg"), std::string::npos);
  EXPECT_FALSE(checked["undecodable"][0]["reason"].get<std::string>().empty());
}

}  // namespace
