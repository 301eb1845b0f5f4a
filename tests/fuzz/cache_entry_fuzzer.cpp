// A feature-cache entry file with arbitrary content: it is either the intact features of its key or
// a miss counted as damage. Entries are files, so each input is written to one and read back.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include <unistd.h>

#include "tl/features/feature_cache.hpp"

namespace {

const std::string kImageHash(64, 'a');
constexpr int kDim = 8;

tl::FeatureCache& cache() {
  static const std::filesystem::path directory =
      std::filesystem::temp_directory_path() / ("tl-fuzz-cache-" + std::to_string(getpid()));
  static tl::FeatureCache instance(directory, "backbone", "preprocessing");
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto entry = cache().directory() / kImageHash.substr(0, 2) / (kImageHash + ".feat");
  std::filesystem::create_directories(entry.parent_path());
  std::ofstream(entry, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), size);
  const auto features = cache().load(kImageHash, kDim);
  if (features && (features->size() != kDim || !std::isfinite((*features)[0]))) __builtin_trap();
  return 0;
}
