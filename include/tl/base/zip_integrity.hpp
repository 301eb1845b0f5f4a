#pragma once
// LibTorch's checkpoints and TorchScript backbones are zip archives whose entries each carry a
// CRC-32, but its reader never checks them: a file with flipped bytes loads and predicts garbage.
// Nor does it bound what an entry inflates to: a 5 MB file whose entry inflates to 4 GiB loaded.
// This checks both before LibTorch reads the file.
#include <cstdint>
#include <optional>
#include <string>

namespace tl {

struct ZipLimits {
  uint64_t max_entry_bytes = 8ULL << 30;  // what one entry may inflate to
  double max_ratio = 100;                 // how many times its stored size a compressed entry may inflate to
};

// What is wrong with the archive (e.g. "entry archive/data/3: CRC-32 mismatch", or an entry past the
// limits), or nothing when every entry's stored data matches its CRC and sizes.
std::optional<std::string> zip_damage(const std::string& bytes, const ZipLimits& limits = {});

}  // namespace tl
