// A checkpoint's bytes pass the zip integrity check before LibTorch's reader sees any of them:
// whatever the archive claims (offsets, sizes, entry counts), the check answers without crashing.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tl/base/zip_integrity.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)tl::zip_damage(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
