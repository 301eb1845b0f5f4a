// Which rank reads which images in a pass divided between ranks: loose files dealt one by one, a
// shard's samples all to one rank, the shards dealt round the ranks in order (uneven counts too).
#include "tl/dist/sharded_features.hpp"

#include <gtest/gtest.h>

namespace {

tl::Sample in_shard(const std::shared_ptr<const std::filesystem::path>& shard, uint64_t offset) {
  tl::Sample sample;
  sample.path = shard->string() + "/" + std::to_string(offset) + ".jpg";
  sample.member = tl::ArchiveMember{shard, offset, 10};
  return sample;
}

TEST(RankOfPositions, LooseFilesAreDealtOneByOne) {
  tl::Dataset dataset;
  for (int i = 0; i < 5; ++i) dataset.samples.push_back({"f" + std::to_string(i) + ".jpg", 0});
  EXPECT_EQ(tl::rank_of_positions(dataset, {4, 0, 1, 3, 2}, 2), (std::vector<size_t>{0, 1, 0, 1, 0}));
  EXPECT_EQ(tl::rank_of_positions(dataset, {0, 1, 2}, 1), (std::vector<size_t>{0, 0, 0}));
}

TEST(RankOfPositions, EachShardIsReadByOneRankAndThreeShardsSplitTwoToOne) {
  tl::Dataset dataset;
  for (const char* name : {"a.tar", "b.tar", "c.tar"}) {
    const auto shard = std::make_shared<const std::filesystem::path>(name);
    for (uint64_t offset : {512, 2048}) dataset.samples.push_back(in_shard(shard, offset));
  }
  const std::vector<size_t> all{0, 1, 2, 3, 4, 5};
  EXPECT_EQ(tl::rank_of_positions(dataset, all, 2), (std::vector<size_t>{0, 0, 1, 1, 0, 0}));
  EXPECT_EQ(tl::rank_of_positions(dataset, all, 4), (std::vector<size_t>{0, 0, 1, 1, 2, 2})) << "rank 3 reads none";
  EXPECT_EQ(tl::rank_of_positions(dataset, {5, 2}, 2), (std::vector<size_t>{0, 1}))
      << "shards dealt in the order this pass meets them";
}

}  // namespace
