// Tar listing as shards need it: every header form the common writers use (ustar with a prefix, GNU
// long names and base-256 sizes, pax paths and sizes), directories and links told apart, and damaged
// archives (a wrong checksum, a member past the end, an oversized extended header) stopping the
// listing with a reason while the members before the damage stay readable.
#include "tl/data/tar_reader.hpp"

#include <cstdio>
#include <cstring>

#include <gtest/gtest.h>

#include "support/temp_directory.hpp"
#include "tl/base/error.hpp"
#include "tl/data/tar_writer.hpp"

namespace {

using tl::testing::TempDirectory;

// One header block (name, size, type, optional ustar prefix) with a correct checksum.
std::string header(const std::string& name, uint64_t size, char type, const std::string& prefix = "",
                   bool gnu_magic = false) {
  std::string block(512, '\0');
  std::memcpy(block.data(), name.data(), std::min<size_t>(name.size(), 100));
  std::snprintf(block.data() + 100, 8, "%07o", 0644);
  std::snprintf(block.data() + 124, 12, "%011llo", static_cast<unsigned long long>(size));
  block[156] = type;
  if (gnu_magic) {
    std::memcpy(block.data() + 257, "ustar  ", 8);
  } else {
    std::memcpy(block.data() + 257, "ustar", 6);
    block[263] = block[264] = '0';
  }
  std::memcpy(block.data() + 345, prefix.data(), std::min<size_t>(prefix.size(), 155));
  std::memset(block.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (const char byte : block) sum += static_cast<unsigned char>(byte);
  std::snprintf(block.data() + 148, 8, "%06o", sum);
  return block;
}

std::string member(const std::string& name, const std::string& data, char type = '0', const std::string& prefix = "") {
  std::string bytes = header(name, data.size(), type, prefix) + data;
  bytes.append((512 - data.size() % 512) % 512, '\0');
  return bytes;
}

std::string pax_record(const std::string& key, const std::string& value) {
  const std::string body = " " + key + "=" + value + "\n";
  size_t length = body.size() + 1;
  while (std::to_string(length).size() + body.size() != length) ++length;
  return std::to_string(length) + body;
}

const std::string kEnd(1024, '\0');

TEST(TarReader, ListsWhatTlShardWritesWithOffsetsThatReadTheBytes) {
  tl::TarWriter writer;
  writer.add("000000000.jpg", std::string(700, 'a'));
  writer.add("000000000.cls", "1");
  const std::string archive = writer.finish();
  const tl::TarListing listing = tl::list_tar_members(archive);
  EXPECT_EQ(listing.error, "");
  ASSERT_EQ(listing.members.size(), 2u);
  EXPECT_EQ(listing.members[0].name, "000000000.jpg");
  EXPECT_EQ(archive.substr(listing.members[0].offset, listing.members[0].size), std::string(700, 'a'));
  EXPECT_EQ(archive.substr(listing.members[1].offset, listing.members[1].size), "1");
  EXPECT_TRUE(listing.members[1].regular);

  TempDirectory dir;
  const auto file = dir / "shard.tar";
  tl::testing::write_file(file, archive);
  const tl::TarListing from_file = tl::list_tar_members(file);
  ASSERT_EQ(from_file.members.size(), 2u);
  const tl::BoundedRead read = tl::read_tar_member(file, from_file.members[0].offset, from_file.members[0].size, 1000);
  ASSERT_TRUE(read.bytes) << read.error;
  EXPECT_EQ(*read.bytes, std::string(700, 'a'));
  EXPECT_NE(tl::read_tar_member(file, from_file.members[0].offset, 700, 100).error.find("too large"),
            std::string::npos);
  EXPECT_NE(tl::read_tar_member(file, archive.size() - 10, 700, 1000).error.find("truncated"), std::string::npos);
  EXPECT_TRUE(tl::read_tar_member(dir / "missing.tar", 0, 1, 10).missing);
}

// A file is listed through a read-ahead window that small members share and large ones skip: the
// listing is the one of the same bytes in memory, whatever the mix of sizes.
TEST(TarReader, AFileListsAsItsBytesDoWhateverTheMemberSizes) {
  tl::TarWriter writer;
  const std::vector<size_t> sizes{10, 200000, 1, 3000, 70000, 65536, 0, 5, 130000, 2, 40000, 40000, 40000};
  for (size_t i = 0; i < sizes.size(); ++i) writer.add(std::to_string(i) + ".jpg", std::string(sizes[i], 'x'));
  const std::string archive = writer.finish();
  TempDirectory dir;
  tl::testing::write_file(dir / "mixed.tar", archive);
  const tl::TarListing from_file = tl::list_tar_members(dir / "mixed.tar");
  const tl::TarListing from_memory = tl::list_tar_members(archive);
  EXPECT_EQ(from_file.error, "");
  ASSERT_EQ(from_file.members.size(), sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    EXPECT_EQ(from_file.members[i].name, from_memory.members[i].name);
    EXPECT_EQ(from_file.members[i].offset, from_memory.members[i].offset);
    EXPECT_EQ(from_file.members[i].size, sizes[i]);
  }
}

TEST(TarReader, ReadsUstarPrefixesGnuLongNamesAndPaxHeaders) {
  const std::string long_name(150, 'n');
  std::string archive = member("000001.jpg", "abc", '0', "some/folder");
  archive += member("././@LongLink", long_name + ".jpg", 'L') + member("truncated-name", "long", '0');
  archive += member("PaxHeaders/x", pax_record("path", "pax/é.png") + pax_record("size", "5"), 'x');
  archive += header("ignored", 3, '0') + std::string("12345") + std::string(507, '\0');
  archive += member("dir/", "", '5') + member("link.jpg", "", '2') + kEnd;
  const tl::TarListing listing = tl::list_tar_members(archive);
  EXPECT_EQ(listing.error, "");
  ASSERT_EQ(listing.members.size(), 4u) << "the directory is no member";
  EXPECT_EQ(listing.members[0].name, "some/folder/000001.jpg");
  EXPECT_EQ(listing.members[1].name, long_name + ".jpg");
  EXPECT_EQ(archive.substr(listing.members[1].offset, listing.members[1].size), "long");
  EXPECT_EQ(listing.members[2].name, "pax/é.png");
  EXPECT_EQ(archive.substr(listing.members[2].offset, listing.members[2].size), "12345") << "pax's size wins";
  EXPECT_EQ(listing.members[3].name, "link.jpg");
  EXPECT_FALSE(listing.members[3].regular);
}

TEST(TarReader, ReadsGnuBase256SizesAndSignedChecksums) {
  std::string block = header("big.jpg", 0, '0', "", true);
  std::memset(block.data() + 124, 0, 12);
  block[124] = static_cast<char>(0x80);
  block[135] = 3;  // 3 bytes, in base 256
  std::memset(block.data() + 148, ' ', 8);
  int sum = 0;
  for (const char byte : block) sum += static_cast<signed char>(byte);  // as old writers summed
  std::snprintf(block.data() + 148, 8, "%06o", sum);
  const std::string archive = block + "xyz" + std::string(509, '\0') + kEnd;
  const tl::TarListing listing = tl::list_tar_members(archive);
  EXPECT_EQ(listing.error, "");
  ASSERT_EQ(listing.members.size(), 1u);
  EXPECT_EQ(listing.members[0].size, 3u);
}

TEST(TarReader, DamageStopsTheListingWithAReasonAndKeepsWhatCameBefore) {
  const std::string good = member("a.jpg", "aaa");
  std::string bad_checksum = member("b.jpg", "bbb");
  bad_checksum[0] = 'c';
  auto listing = tl::list_tar_members(good + bad_checksum + kEnd);
  ASSERT_EQ(listing.members.size(), 1u);
  EXPECT_NE(listing.error.find("checksum"), std::string::npos) << listing.error;
  EXPECT_NE(listing.error.find("offset 1024"), std::string::npos) << listing.error;

  listing = tl::list_tar_members(good + header("c.jpg", 1000000, '0') + "short");
  ASSERT_EQ(listing.members.size(), 1u);
  EXPECT_NE(listing.error.find("past the end"), std::string::npos) << listing.error;

  listing = tl::list_tar_members(good + header("././@LongLink", tl::kMaxTarExtendedHeaderBytes + 1, 'L') +
                                 std::string(tl::kMaxTarExtendedHeaderBytes + 512, 'x'));
  EXPECT_NE(listing.error.find("extended header"), std::string::npos) << listing.error;

  listing = tl::list_tar_members(good + member("PaxHeaders/x", "99 path=x\n", 'x') + good + kEnd);
  EXPECT_NE(listing.error.find("malformed pax"), std::string::npos) << listing.error;

  listing = tl::list_tar_members(good + std::string(100, 'z'));
  EXPECT_NE(listing.error.find("truncated header"), std::string::npos) << listing.error;
  EXPECT_EQ(tl::list_tar_members(good).error, "") << "an archive cut at a member boundary loses nothing";
  EXPECT_EQ(tl::list_tar_members(std::string("not a tar at all") + std::string(600, '\0')).members.size(), 0u);
}

// An index holds the listing, so a reader need not walk the headers; one written for another archive
// size or with a member outside the archive is an error naming the index (and the line).
TEST(TarIndex, HoldsTheListingAndRefusesAStaleOrDamagedOne) {
  tl::TarWriter writer;
  writer.add("a.jpg", std::string(700, 'a'));
  writer.add("a.cls", "1");
  const std::string archive = writer.finish();
  const tl::TarListing listing = tl::list_tar_members(archive);
  const std::string index = tl::tar_index_text(listing, archive.size());
  EXPECT_EQ(index, "tl-tar-index 1 " + std::to_string(archive.size()) + "\n512 700 a.jpg\n2048 1 a.cls\n");
  const tl::TarListing read = tl::parse_tar_index(index, archive.size(), "a.tar.idx");
  ASSERT_EQ(read.members.size(), 2u);
  EXPECT_EQ(read.members[1].name, "a.cls");
  EXPECT_EQ(read.members[1].offset, listing.members[1].offset);
  EXPECT_EQ(read.members[1].size, 1u);

  const auto error = [&](const std::string& text, uint64_t size) {
    try {
      tl::parse_tar_index(text, size, "a.tar.idx");
    } catch (const tl::Error& failure) {
      return std::string(failure.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error(index, archive.size() + 512).find("a.tar.idx: written for an archive of"), std::string::npos);
  EXPECT_NE(error("tl-tar-index 1 3072\n512 700 a.jpg\n1536 9999 a.cls\n", 3072).find("a.tar.idx:3: expected"),
            std::string::npos);
  EXPECT_NE(error("tl-tar-index 1 3072\n100 7 a.jpg\n", 3072).find("a.tar.idx:2:"), std::string::npos);
  EXPECT_NE(error("tl-tar-index 1 3072\n512 -7 a.jpg\n", 3072).find("a.tar.idx:2:"), std::string::npos);
  EXPECT_NE(error("tl-tar-index 1 3072\n512 7\n", 3072).find("a.tar.idx:2:"), std::string::npos);
  EXPECT_NE(error("something else\n", 3072).find("a.tar.idx:1: expected"), std::string::npos);
}

}  // namespace
