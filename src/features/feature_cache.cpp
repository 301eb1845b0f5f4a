#include "tl/features/feature_cache.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <zlib.h>

#include "tl/base/atomic_file.hpp"
#include "tl/base/content_hash.hpp"
#include "tl/base/error.hpp"
#include "tl/base/file_bytes.hpp"

namespace fs = std::filesystem;

namespace tl {
namespace {

constexpr char kMagic[8] = {'T', 'L', 'F', 'E', 'A', 'T', '0', '2'};
constexpr size_t kHeaderSize = sizeof(kMagic) + 2 * sizeof(uint32_t);

uint32_t crc(uint32_t running, const char* bytes, size_t size) {
  return static_cast<uint32_t>(crc32(running, reinterpret_cast<const Bytef*>(bytes), static_cast<uInt>(size)));
}

bool all_finite(const float* values, size_t count) {
  return std::all_of(values, values + count, [](float value) { return std::isfinite(value); });
}

}  // namespace

uint32_t FeatureCache::checksum(const std::string& image_sha256, const char* values, size_t size) const {
  const std::string key = namespace_directory_.filename().string() + "/" + image_sha256;
  return crc(crc(0, key.data(), key.size()), values, size);
}

FeatureCache::FeatureCache(const fs::path& directory, const std::string& backbone_sha256,
                           const std::string& preprocessing_description) {
  const std::string key =
      std::string(kMagic, sizeof kMagic) + "\n" + backbone_sha256 + "\n" + preprocessing_description;
  namespace_directory_ = directory / "features" / sha256_bytes(key).substr(0, 32);
  std::error_code error;
  fs::create_directories(namespace_directory_, error);
  if (error) throw Error(namespace_directory_.string() + ": cannot create feature cache directory: " + error.message());
  // What the namespace holds, for tl-info cache: its name is a hash.
  const fs::path description = namespace_directory_ / "namespace.txt";
  if (!fs::exists(description, error)) {
    try {
      write_file_atomically(description, backbone_sha256 + "\n" + preprocessing_description + "\n",
                            Durability::rename_only);
    } catch (const Error&) {  // a read-only cache still serves its entries
    }
  }
}

fs::path FeatureCache::entry_path(const std::string& image_sha256) const {
  return namespace_directory_ / image_sha256.substr(0, 2) / (image_sha256 + ".feat");
}

std::optional<std::vector<float>> FeatureCache::load(const std::string& image_sha256, int dim) {
  const size_t payload = static_cast<size_t>(dim) * sizeof(float);
  // Only a regular file of an entry's size is read: a FIFO or a device in its place (which would
  // block the open or never end), or a longer file, is a damaged entry.
  const BoundedRead read = read_regular_file(entry_path(image_sha256), kHeaderSize + payload);
  if (!read.bytes) {
    if (!read.missing) ++statistics_.damaged;
    ++statistics_.misses;
    return std::nullopt;
  }
  const std::string& bytes = *read.bytes;
  const size_t size = bytes.size();
  uint32_t stored_dim = 0, stored_checksum = 0;
  if (size == kHeaderSize + payload) {
    std::memcpy(&stored_dim, bytes.data() + sizeof kMagic, sizeof stored_dim);
    std::memcpy(&stored_checksum, bytes.data() + sizeof kMagic + sizeof stored_dim, sizeof stored_checksum);
  }
  const bool intact = size == kHeaderSize + payload && std::memcmp(bytes.data(), kMagic, sizeof kMagic) == 0 &&
                      stored_dim == static_cast<uint32_t>(dim) &&
                      stored_checksum == checksum(image_sha256, bytes.data() + kHeaderSize, payload) &&
                      all_finite(reinterpret_cast<const float*>(bytes.data() + kHeaderSize), static_cast<size_t>(dim));
  if (!intact) {
    ++statistics_.damaged;
    ++statistics_.misses;
    return std::nullopt;
  }
  ++statistics_.hits;
  // Used now: the bounded cache (cache_budget.hpp) evicts by this time. A read-only cache keeps its old one.
  ::utimensat(AT_FDCWD, entry_path(image_sha256).c_str(), nullptr, 0);
  std::vector<float> features(static_cast<size_t>(dim));
  std::memcpy(features.data(), bytes.data() + kHeaderSize, payload);
  return features;
}

void FeatureCache::store(const std::string& image_sha256, const float* features, int dim) {
  const size_t payload = static_cast<size_t>(dim) * sizeof(float);
  std::string bytes(kHeaderSize + payload, '\0');
  const auto stored_dim = static_cast<uint32_t>(dim);
  std::memcpy(bytes.data(), kMagic, sizeof kMagic);
  std::memcpy(bytes.data() + sizeof kMagic, &stored_dim, sizeof stored_dim);
  std::memcpy(bytes.data() + kHeaderSize, features, payload);
  const uint32_t sum = checksum(image_sha256, bytes.data() + kHeaderSize, payload);
  std::memcpy(bytes.data() + sizeof kMagic + sizeof stored_dim, &sum, sizeof sum);
  if (!writable_ || !all_finite(features, static_cast<size_t>(dim))) return;
  const fs::path path = entry_path(image_sha256);
  try {
    std::error_code error;
    fs::create_directories(path.parent_path(), error);
    // A cache entry can always be recomputed, so it skips the fsync that run files get; the rename still
    // keeps readers from seeing half an entry, and the checksum catches what a power cut might leave.
    write_file_atomically(path, bytes, Durability::rename_only);
    ++statistics_.stored;
  } catch (const Error& error) {
    writable_ = false;
    spdlog::warn("feature cache not written from now on: {}", error.what());
  }
}

std::optional<FeatureCache> open_feature_cache(const fs::path& directory, const std::string& backbone_sha256,
                                               const std::string& preprocessing_description) {
  try {
    return FeatureCache(directory, backbone_sha256, preprocessing_description);
  } catch (const Error& error) {
    spdlog::warn("running without the feature cache: {}", error.what());
    return std::nullopt;
  }
}

}  // namespace tl
