#pragma once
// Writing a data set's images as tar shards in the WebDataset convention: each sample is a key
// shared by its members, <key>.<image extension> holding the image file's bytes as they are and
// <key>.cls the class index in decimal. Shards fill in the given order up to a target size and are
// named <prefix>-000000.tar onwards; the same images in the same order give the same bytes (see
// tar_writer.hpp), so a manifest of sha256 sums identifies the data.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tl/data/dataset.hpp"
#include "tl/data/skipped_files.hpp"

namespace tl {

struct ShardOptions {
  std::filesystem::path directory;  // created if missing
  std::string prefix = "data";      // the shard set's name, e.g. train
  uint64_t shard_bytes = 256ULL << 20;
  bool index = false;  // also <shard>.idx beside each shard (tl/data/tar_reader.hpp)
};

struct WrittenShard {
  std::string file;  // relative to the directory
  std::string sha256;
  int64_t samples = 0;
  uint64_t bytes = 0;
};

// Writes `indices` of `dataset` in that order, each shard atomically; a sample larger than
// shard_bytes gets a shard of its own. Files that cannot be read or do not decode as images are
// left out and reported to `skipped`, as a run would skip them. Keys are the sample's position
// among those written, zero-padded to nine digits.
std::vector<WrittenShard> write_shards(const Dataset& dataset, const std::vector<size_t>& indices,
                                       const ShardOptions& options, SkippedFiles& skipped);

nlohmann::json to_json(const WrittenShard& shard);

}  // namespace tl
