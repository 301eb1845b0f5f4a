#pragma once
// FeatureCache: backbone features stored on disk so that a frozen backbone runs once per image,
// across epochs and across runs. An entry is keyed by exactly what determines it: the backbone
// file's sha256, the preprocessing (size, resize rule, interpolation, normalisation, channel order)
// and the image file's sha256. Change any of them and the entry is simply not found; nothing stale
// is ever reused. Each entry is one small file, written atomically and checksummed (CRC-32 over its
// key and its values, so an entry copied over another's name does not verify); a damaged entry, or
// one holding a NaN or infinity, reads as a miss, is counted, and is overwritten when recomputed.
//
// Layout: <directory>/features/<namespace>/<image sha256[0:2]>/<image sha256>.feat, where the
// namespace hashes the format version, backbone and preprocessing (namespace.txt beside its entries
// says which). Entries are read one at a time, so memory does not grow with the cache; a hit sets
// its entry's modification time, by which cache_budget.hpp evicts the least recently used.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tl {

struct FeatureCacheStatistics {
  int64_t hits = 0, misses = 0, damaged = 0, stored = 0;
};

class FeatureCache {
 public:
  FeatureCache(const std::filesystem::path& directory, const std::string& backbone_sha256,
               const std::string& preprocessing_description);

  // The cached features of an image with this content hash, if present and intact with `dim` values.
  std::optional<std::vector<float>> load(const std::string& image_sha256, int dim);
  // A cache that cannot be written (disk full, read-only) must not stop a run: the first failure is
  // logged and later stores are skipped.
  void store(const std::string& image_sha256, const float* features, int dim);

  const std::filesystem::path& directory() const { return namespace_directory_; }
  const FeatureCacheStatistics& statistics() const { return statistics_; }

 private:
  std::filesystem::path entry_path(const std::string& image_sha256) const;
  uint32_t checksum(const std::string& image_sha256, const char* values, size_t size) const;

  std::filesystem::path namespace_directory_;
  FeatureCacheStatistics statistics_;
  bool writable_ = true;
};

// The cache for a backbone and preprocessing, or nothing (with a logged warning) when its directory
// cannot be created: a run goes on without a cache rather than failing.
std::optional<FeatureCache> open_feature_cache(const std::filesystem::path& directory,
                                               const std::string& backbone_sha256,
                                               const std::string& preprocessing_description);

}  // namespace tl
