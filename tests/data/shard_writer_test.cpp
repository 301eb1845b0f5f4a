// Tar shards: ustar headers a reader accepts (fields, checksum, padding), shards that fill to their
// target size in order, corrupt images left out as a run skips them, and the same bytes every time.
#include "tl/data/shard_writer.hpp"

#include <gtest/gtest.h>

#include "support/fixtures.hpp"
#include "support/temp_directory.hpp"
#include "tl/base/content_hash.hpp"
#include "tl/base/error.hpp"
#include "tl/data/tar_writer.hpp"

namespace {

using tl::testing::TempDirectory;

// The members of a ustar archive: name and data, checking each header as tar does.
std::vector<std::pair<std::string, std::string>> members_of(const std::string& archive) {
  std::vector<std::pair<std::string, std::string>> members;
  size_t at = 0;
  while (at + 512 <= archive.size() && archive[at] != '\0') {
    const std::string header = archive.substr(at, 512);
    unsigned sum = 0;
    for (size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(header[i]);
    EXPECT_EQ(std::stoul(header.substr(148, 7), nullptr, 8), sum) << "checksum";
    EXPECT_EQ(header.substr(257, 6), std::string("ustar\0", 6));
    EXPECT_EQ(header[156], '0') << "a regular file";
    const size_t size = std::stoul(header.substr(124, 11), nullptr, 8);
    members.emplace_back(header.substr(0, header.find('\0')), archive.substr(at + 512, size));
    at += 512 + (size + 511) / 512 * 512;
  }
  EXPECT_EQ(archive.size(), at + 1024) << "two zero blocks end it";
  EXPECT_EQ(archive.substr(at), std::string(1024, '\0'));
  return members;
}

TEST(TarWriter, WritesUstarMembersAReaderAccepts) {
  tl::TarWriter tar;
  EXPECT_TRUE(tar.empty());
  tar.add("000000001.jpg", std::string(700, 'x'));
  tar.add("000000001.cls", "3");
  const std::string archive = tar.finish();
  EXPECT_EQ(archive.size(), tar.size_with(0) - 512) << "size_with counts one more header";
  const auto members = members_of(archive);
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0], std::make_pair(std::string("000000001.jpg"), std::string(700, 'x')));
  EXPECT_EQ(members[1], std::make_pair(std::string("000000001.cls"), std::string("3")));
  EXPECT_THROW(tar.add("../escape.jpg", "x"), tl::Error);
  EXPECT_THROW(tar.add(std::string(101, 'a'), "x"), tl::Error);
  EXPECT_THROW(tar.add("with space.jpg", "x"), tl::Error);
}

TEST(ShardWriter, FillsShardsInOrderSkipsWhatDoesNotDecodeAndRepeatsItsBytes) {
  TempDirectory dir;
  tl::testing::make_image_folder(dir / "data", {"blue", "red"}, 6);
  tl::testing::write_file(dir / "data/red/broken.jpg", "not an image");
  const tl::Dataset dataset = tl::load_dataset({tl::Layout::image_folder, dir / "data"});
  std::vector<size_t> order(dataset.samples.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;

  const auto image_bytes = tl::testing::read_file(dataset.samples[0].path).size();
  tl::SkippedFiles skipped;
  const tl::ShardOptions options{dir / "shards", "train", 3 * (image_bytes + 2048)};
  const auto shards = tl::write_shards(dataset, order, options, skipped);
  EXPECT_EQ(skipped.count(), 1u);
  std::vector<tl::Sample> written;  // the samples in order, without the one that does not decode
  for (const tl::Sample& sample : dataset.samples) {
    if (std::filesystem::path(sample.path).filename() != "broken.jpg") written.push_back(sample);
  }
  int64_t samples = 0;
  std::vector<std::string> keys;
  for (size_t s = 0; s < shards.size(); ++s) {
    const std::string archive = tl::testing::read_file(dir / "shards" / shards[s].file);
    EXPECT_EQ(shards[s].file, "train-00000" + std::to_string(s) + ".tar");
    EXPECT_EQ(shards[s].sha256, tl::sha256_bytes(archive));
    EXPECT_EQ(shards[s].bytes, archive.size());
    EXPECT_LE(archive.size(), options.shard_bytes);
    const auto members = members_of(archive);
    EXPECT_EQ(static_cast<int64_t>(members.size()), 2 * shards[s].samples);
    for (size_t m = 0; m + 1 < members.size(); m += 2) {
      const std::string key = members[m].first.substr(0, 9);
      EXPECT_EQ(members[m].first, key + ".jpg");
      EXPECT_EQ(members[m + 1].first, key + ".cls");
      keys.push_back(key);
      // The image's bytes as they are, and its label.
      const tl::Sample& sample = written[std::stoul(key)];
      EXPECT_EQ(members[m].second, tl::testing::read_file(sample.path)) << key;
      EXPECT_EQ(members[m + 1].second, std::to_string(sample.label)) << key;
    }
    samples += shards[s].samples;
  }
  EXPECT_GE(shards.size(), 4u) << "about three samples a shard";
  EXPECT_EQ(samples, 12);
  for (size_t k = 0; k < keys.size(); ++k) EXPECT_EQ(std::stoul(keys[k]), k) << "keys count the samples written";

  tl::SkippedFiles again;
  const auto repeated = tl::write_shards(dataset, order, {dir / "again", "train", options.shard_bytes}, again);
  ASSERT_EQ(repeated.size(), shards.size());
  for (size_t s = 0; s < shards.size(); ++s) EXPECT_EQ(repeated[s].sha256, shards[s].sha256) << "the same bytes";
}

}  // namespace
