// The shards layout: shards named by a folder, a brace pattern or a list file; samples grouped by
// key with their labels from .cls, .txt or .json and classes from classes.txt or the labels; splits
// from shard names; what cannot be a sample listed by shard and member; a label that names no class
// an error naming both; and images read back from the offsets, also through a recorded path.
#include "tl/data/shard_dataset.hpp"

#include <gtest/gtest.h>

#include "support/error_of.hpp"
#include "support/fixtures.hpp"
#include "support/temp_directory.hpp"
#include "tl/base/error.hpp"
#include "tl/data/brace_pattern.hpp"
#include "tl/data/image_decoder.hpp"
#include "tl/data/tar_reader.hpp"
#include "tl/data/tar_writer.hpp"

namespace {

namespace fs = std::filesystem;
using tl::testing::TempDirectory;
using tl::testing::write_file;

// An archive of (name, bytes) members.
void write_tar(const fs::path& file, const std::vector<std::pair<std::string, std::string>>& members) {
  tl::TarWriter tar;
  for (const auto& [name, bytes] : members) tar.add(name, bytes);
  write_file(file, tar.finish());
}

std::string message_of(const std::function<void()>& action) { return tl::testing::error_of(action); }

TEST(BracePattern, ExpandsRangesWithTheirPaddingAndLists) {
  EXPECT_EQ(tl::expand_braces("s-{000008..000010}.tar"),
            (std::vector<std::string>{"s-000008.tar", "s-000009.tar", "s-000010.tar"}));
  EXPECT_EQ(tl::expand_braces("{train,val}-{0..1}"),
            (std::vector<std::string>{"train-0", "train-1", "val-0", "val-1"}));
  EXPECT_EQ(tl::expand_braces("plain.tar"), (std::vector<std::string>{"plain.tar"}));
  for (const char* bad : {"a-{1..}.tar", "a-{3..1}.tar", "a-{1..2.tar", "a}.tar", "a-{}.tar", "a-{{1..2}}",
                          "a-{0..2000000}.tar", "{0..999}{0..9999}"}) {
    EXPECT_NE(message_of([&] { tl::expand_braces(bad); }).find(bad), std::string::npos) << bad;
  }
}

class ShardDataset : public ::testing::Test {
 protected:
  TempDirectory dir;
};

TEST_F(ShardDataset, GroupsMembersByKeyAndNamesClassesFromClassesTxt) {
  write_tar(dir / "s/train-000000.tar", {{"000000000.jpg", "image-0"},
                                         {"000000000.cls", "1"},
                                         {"000000001.png", "image-1"},
                                         {"000000001.cls", "0\n"},
                                         {"000000001.meta", "ignored"}});
  write_tar(dir / "s/train-000001.tar", {{"000000002.jpg", "image-2"}, {"000000002.cls", "1"}});
  write_tar(dir / "s/test-000000.tar", {{"a/b.jpg", "image-3"}, {"a/b.cls", "0"}});
  write_file(dir / "s/classes.txt", "cat\ndog\n");
  const tl::Dataset dataset = tl::load_shards(dir / "s");
  EXPECT_EQ(dataset.class_names, (std::vector<std::string>{"cat", "dog"}));
  ASSERT_EQ(dataset.samples.size(), 4u);
  EXPECT_EQ(dataset.samples[0].path, dir / "s/test-000000.tar/a/b.jpg") << "sorted by path";
  EXPECT_EQ(dataset.official[0], tl::OfficialSplit::test);
  EXPECT_EQ(dataset.samples[1].path, dir / "s/train-000000.tar/000000000.jpg");
  EXPECT_EQ(dataset.samples[1].label, 1);
  EXPECT_EQ(dataset.samples[2].label, 0);
  EXPECT_EQ(dataset.official[3], tl::OfficialSplit::trainval);
  EXPECT_EQ(dataset.ignored_files, 1) << "the .meta member";
  EXPECT_TRUE(dataset.unusable.empty());

  const tl::BoundedRead bytes = tl::read_sample(dataset.samples[2]);
  ASSERT_TRUE(bytes.bytes) << bytes.error;
  EXPECT_EQ(*bytes.bytes, "image-1");
  const tl::BoundedRead through_path = tl::read_image_file(dataset.samples[0].path);
  ASSERT_TRUE(through_path.bytes) << through_path.error;
  EXPECT_EQ(*through_path.bytes, "image-3") << "a recorded path opens the member again";
  EXPECT_TRUE(tl::read_image_file(dir / "s/train-000000.tar/nope.jpg").missing);

  EXPECT_EQ(tl::shard_files(dir / "s/train-{000000..000001}.tar").size(), 2u);
  write_file(dir / "list.txt", "# the training shards\ns/train-{000000..000001}.tar\n\ns/test-000000.tar\n");
  EXPECT_EQ(tl::shard_files(dir / "list.txt").size(), 3u);
  EXPECT_NE(message_of([&] { tl::shard_files(dir / "s/train-{000000..000002}.tar"); }).find("train-000002.tar"),
            std::string::npos);
}

// With <shard>.idx beside a shard its headers are not walked: a shard whose first header is damaged
// after the index was written still gives every sample through the index, and none without it.
TEST_F(ShardDataset, AnIndexBesideAShardReplacesTheWalkOfItsHeaders) {
  tl::TarWriter tar;
  tar.add("k.jpg", "image");
  tar.add("k.cls", "0");
  std::string archive = tar.finish();
  write_file(dir / "s/d.tar.idx", tl::tar_index_text(tl::list_tar_members(archive), archive.size()));
  archive[148] = 'x';  // the first header's checksum
  write_file(dir / "s/d.tar", archive);
  const tl::Dataset indexed = tl::load_shards(dir / "s");
  ASSERT_EQ(indexed.samples.size(), 1u);
  EXPECT_EQ(*tl::read_sample(indexed.samples[0]).bytes, "image");
  fs::remove(dir / "s/d.tar.idx");
  EXPECT_NE(message_of([&] { tl::load_shards(dir / "s"); }).find("no labelled image"), std::string::npos);
  write_file(dir / "s/d.tar.idx", "tl-tar-index 1 1\n");
  EXPECT_NE(message_of([&] { tl::load_shards(dir / "s"); }).find("d.tar.idx: written for an archive of 1 bytes"),
            std::string::npos);
}

TEST_F(ShardDataset, ClassesComeFromNameLabelsWhenNoClassesTxt) {
  write_tar(dir / "data-000000.tar", {{"k1.jpg", "x"},
                                      {"k1.txt", "zebra\n"},
                                      {"k2.jpg", "y"},
                                      {"k2.json", R"({"label": "ant"})"},
                                      {"k3.jpg", "z"},
                                      {"k3.json", "\"zebra\""}});
  const tl::Dataset dataset = tl::load_shards(dir.path());
  EXPECT_EQ(dataset.class_names, (std::vector<std::string>{"ant", "zebra"}));
  ASSERT_EQ(dataset.samples.size(), 3u);
  EXPECT_EQ(dataset.samples[0].label, 1);
  EXPECT_EQ(dataset.samples[1].label, 0);
  EXPECT_FALSE(dataset.has_official_split()) << "data- names no split: tl splits by its seed";
}

TEST_F(ShardDataset, IndicesNameThemselvesWithoutClassesTxt) {
  write_tar(dir / "d.tar", {{"a.jpg", "x"}, {"a.cls", "2"}, {"b.jpg", "y"}, {"b.json", "0"}});
  const tl::Dataset dataset = tl::load_shards(dir / "d.tar");
  EXPECT_EQ(dataset.class_names, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(dataset.samples[0].label, 2);
}

TEST_F(ShardDataset, MembersThatAreNoSampleAreListedByShardAndMember) {
  tl::TarWriter tar;
  tar.add("lonely.jpg", "x");
  tar.add("label-only.cls", "0");
  tar.add("two.jpg", "x");
  tar.add("two.png", "y");
  tar.add("two.cls", "0");
  tar.add("good.jpg", "x");
  tar.add("good.cls", "0");
  std::string archive = tar.finish();
  archive.resize(archive.size() - 1024);  // no end marker
  archive += std::string(512, 'g');       // and a damaged header after it
  write_file(dir / "s/data.tar", archive);
  const tl::Dataset dataset = tl::load_shards(dir / "s");
  ASSERT_EQ(dataset.samples.size(), 1u);
  EXPECT_EQ(dataset.samples[0].path, dir / "s/data.tar/good.jpg");
  std::map<std::string, std::string> reasons;
  for (const auto& entry : dataset.unusable) reasons[entry.path.lexically_relative(dir.path()).string()] = entry.reason;
  ASSERT_EQ(reasons.size(), 4u);
  EXPECT_NE(reasons["s/data.tar/lonely.jpg"].find("no label"), std::string::npos);
  EXPECT_NE(reasons["s/data.tar/label-only"].find("no image"), std::string::npos);
  EXPECT_NE(reasons["s/data.tar/two"].find("more than one image"), std::string::npos);
  EXPECT_NE(reasons["s/data.tar"].find("checksum"), std::string::npos) << "the shard's damage, with its offset";
}

// An image member decodes from memory under a loose file's limits: a decompression bomb's header is
// refused before decoding, a cut JPEG is no image, and the reason names shard and member.
TEST_F(ShardDataset, ImageMembersMeetTheLimitsOfLooseFiles) {
  const auto bytes_of = [](const fs::path& file) { return *tl::read_image_file(file).bytes; };
  const std::string photo = bytes_of(tl::testing::special_images() / "cmyk.jpg");
  write_tar(dir / "d.tar", {{"bomb.png", bytes_of(tl::testing::special_images() / "huge.png")},
                            {"bomb.cls", "0"},
                            {"cut.jpg", photo.substr(0, photo.size() / 2)},
                            {"cut.cls", "0"},
                            {"good.jpg", photo},
                            {"good.cls", "0"}});
  const tl::Dataset dataset = tl::load_shards(dir / "d.tar");
  ASSERT_EQ(dataset.samples.size(), 3u);
  EXPECT_NE(tl::decode_sample(dataset.samples[0]).error.find("image too large"), std::string::npos)
      << tl::decode_sample(dataset.samples[0]).error;
  EXPECT_NE(tl::decode_sample(dataset.samples[1]).error.find("truncated"), std::string::npos);
  EXPECT_EQ(tl::decode_sample(dataset.samples[2]).error, "");
  EXPECT_EQ(tl::decode_sample(dataset.samples[2]).rgb.size(), tl::decode_image_bytes(photo).rgb.size());
}

TEST_F(ShardDataset, LabelsThatNameNoClassAreErrorsNamingShardAndMember) {
  write_file(dir / "a/classes.txt", "cat\ndog\n");
  write_tar(dir / "a/d.tar", {{"k.jpg", "x"}, {"k.cls", "2"}});
  EXPECT_NE(message_of([&] { tl::load_shards(dir / "a"); }).find("d.tar: k.cls: class index 2"), std::string::npos)
      << message_of([&] { tl::load_shards(dir / "a"); });
  write_tar(dir / "a/d.tar", {{"k.jpg", "x"}, {"k.txt", "cow"}});
  EXPECT_NE(message_of([&] { tl::load_shards(dir / "a"); }).find("k.txt: class \"cow\" is not in"), std::string::npos);
  write_tar(dir / "a/d.tar", {{"k.jpg", "x"}, {"k.cls", "one"}});
  EXPECT_NE(message_of([&] { tl::load_shards(dir / "a"); }).find("k.cls: expected a class index"), std::string::npos);
  write_tar(dir / "a/d.tar", {{"k.jpg", "x"}, {"k.json", "{\"label\": [1]}"}});
  EXPECT_NE(message_of([&] { tl::load_shards(dir / "a"); }).find("k.json: expected a class name"), std::string::npos);

  write_tar(dir / "b/x.tar", {{"k.jpg", "x"}, {"k.cls", "0"}, {"m.jpg", "y"}, {"m.txt", "dog"}});
  EXPECT_NE(message_of([&] { tl::load_shards(dir / "b"); }).find("give classes.txt"), std::string::npos);

  write_tar(dir / "c/train-0.tar", {{"k.jpg", "x"}, {"k.txt", "dog"}});
  write_tar(dir / "c/extra-0.tar", {{"m.jpg", "y"}, {"m.txt", "dog"}});
  EXPECT_NE(message_of([&] { tl::load_shards(dir / "c"); }).find("extra-0.tar: its name gives no split"),
            std::string::npos);
  write_file(dir / "e/readme.txt", "no shards here");
  EXPECT_NE(message_of([&] { tl::load_shards(dir / "e"); }).find("no shard found"), std::string::npos);
}

}  // namespace
