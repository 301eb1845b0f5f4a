#pragma once
// LibTorch's checkpoints are zip archives whose entries each carry a CRC-32, but its reader never
// checks them: a checkpoint with flipped bytes loads and predicts garbage. This checks them.
#include <optional>
#include <string>

namespace tl {

// What is wrong with the archive (e.g. "entry archive/data/3: CRC-32 mismatch"), or nothing when
// every entry's stored data matches its CRC.
std::optional<std::string> zip_damage(const std::string& bytes);

}  // namespace tl
