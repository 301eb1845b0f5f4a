#pragma once
// Atomic file replacement: content goes to a temporary file in the same directory, is flushed to
// disk, and is renamed over the target. A crash leaves either the old file or the new one, never a
// half-written one, so a run directory is always readable.
#include <filesystem>
#include <functional>
#include <string>

namespace tl {

enum class Durability {
  flushed,      // fsync before the rename: survives a power cut (run files, checkpoints)
  rename_only,  // no fsync: survives a crash of the process; for data that can be recomputed
};

void write_file_atomically(const std::filesystem::path& path, const std::string& content,
                           Durability durability = Durability::flushed);

// For writers that insist on a file name (LibTorch archives): `write` fills the temporary path it is
// given; on success it is synced and renamed over `path`, on an exception it is removed.
void replace_file_atomically(const std::filesystem::path& path,
                             const std::function<void(const std::filesystem::path& temporary)>& write,
                             Durability durability = Durability::flushed);

}  // namespace tl
