// Image bytes as a data tree would hold them: the header check, then the decode tl-train runs (with
// the reduced JPEG decode a 32-pixel backbone allows). A bad image is an error string, never more.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tl/data/image_decoder.hpp"
#include "tl/data/image_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  (void)tl::read_image_header(bytes);
  const tl::DecodedImage image = tl::decode_image_bytes(bytes, 32);
  if (image.error.empty() && (image.rgb.empty() || image.rgb.type() != CV_8UC3)) __builtin_trap();
  return 0;
}
