// A tar shard as it arrives from storage: any bytes. Listing never reads outside the archive, every
// member it lists lies inside it on a block boundary, and it ends (with or without a reason).
#include <cstddef>
#include <cstdint>
#include <string>

#include "tl/data/tar_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string archive(reinterpret_cast<const char*>(data), size);
  const tl::TarListing listing = tl::list_tar_members(archive);
  for (const tl::TarMember& member : listing.members) {
    if (member.offset % 512 != 0 || member.offset > archive.size() || member.size > archive.size() - member.offset) {
      __builtin_trap();
    }
  }
  return 0;
}
