#include "tl/data/shard_writer.hpp"

#include <cctype>
#include <cstdio>

#include "tl/base/atomic_file.hpp"
#include "tl/base/content_hash.hpp"
#include "tl/data/image_decoder.hpp"
#include "tl/data/tar_reader.hpp"
#include "tl/data/tar_writer.hpp"

namespace fs = std::filesystem;

namespace tl {
namespace {

std::string numbered(int64_t number, int digits) {
  char text[32];
  std::snprintf(text, sizeof text, "%0*lld", digits, static_cast<long long>(number));
  return text;
}

// The image member's extension: the file's own in lower case, else what its bytes are.
std::string image_extension(const fs::path& path) {
  std::string extension = path.extension().string();
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool usable = extension.size() > 1 && extension.size() <= 6 &&
                      extension.find_first_not_of(".abcdefghijklmnopqrstuvwxyz0123456789") == std::string::npos;
  return usable ? extension.substr(1) : "img";
}

class ShardSet {
 public:
  explicit ShardSet(const ShardOptions& options) : options_(options) {}

  void add(const std::string& key, const std::string& extension, const std::string& image, int label) {
    const std::string label_text = std::to_string(label);
    const uint64_t sample_bytes = image.size() + label_text.size() + 1024;  // with the second header
    if (!current_.empty() && current_.size_with(sample_bytes) > options_.shard_bytes) close();
    current_.add(key + "." + extension, image);
    current_.add(key + ".cls", label_text);
    ++samples_;
  }

  std::vector<WrittenShard> finish() {
    if (!current_.empty()) close();
    return written_;
  }

 private:
  void close() {
    WrittenShard shard;
    shard.file = options_.prefix + "-" + numbered(static_cast<int64_t>(written_.size()), 6) + ".tar";
    const std::string archive = current_.finish();
    shard.sha256 = sha256_bytes(archive);
    shard.samples = samples_;
    shard.bytes = archive.size();
    write_file_atomically(options_.directory / shard.file, archive);
    if (options_.index) {
      write_file_atomically(options_.directory / (shard.file + ".idx"),
                            tar_index_text(list_tar_members(archive), archive.size()));
    }
    written_.push_back(shard);
    current_ = TarWriter();
    samples_ = 0;
  }

  ShardOptions options_;
  TarWriter current_;
  int64_t samples_ = 0;
  std::vector<WrittenShard> written_;
};

}  // namespace

std::vector<WrittenShard> write_shards(const Dataset& dataset, const std::vector<size_t>& indices,
                                       const ShardOptions& options, SkippedFiles& skipped) {
  fs::create_directories(options.directory);
  ShardSet shards(options);
  int64_t position = 0;
  for (const size_t index : indices) {
    const Sample& sample = dataset.samples.at(index);
    const BoundedRead read = read_sample(sample);
    if (!read.bytes) {
      skipped.add(sample.path, read.error);
      continue;
    }
    // The smallest decode that still checks the whole file: a corrupt image is left out here, as a
    // run would skip it.
    const DecodedImage decoded = decode_image_bytes(*read.bytes, 1);
    if (!decoded.error.empty()) {
      skipped.add(sample.path, decoded.error);
      continue;
    }
    shards.add(numbered(position++, 9), image_extension(sample.path), *read.bytes, sample.label);
  }
  return shards.finish();
}

nlohmann::json to_json(const WrittenShard& shard) {
  return {{"file", shard.file}, {"sha256", shard.sha256}, {"samples", shard.samples}, {"bytes", shard.bytes}};
}

}  // namespace tl
