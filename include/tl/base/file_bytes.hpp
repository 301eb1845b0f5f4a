#pragma once
// Reading a whole file into memory: config files, run records and images all need their bytes at once.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace tl {

// The file's bytes, or nothing when it cannot be opened; callers say what that means for them.
std::optional<std::string> read_file_bytes(const std::filesystem::path& path);

struct BoundedRead {
  std::optional<std::string> bytes;
  std::string error;  // why there are no bytes: "cannot open file", "not a regular file (a FIFO)", ...
};

// For files found in a tree a user (or an attacker) filled: only a regular file (links followed) of
// at most max_bytes is read. A FIFO never blocks the open, a link to /dev/zero is never read, a
// symlink loop is a reason rather than an exception.
BoundedRead read_regular_file(const std::filesystem::path& path, uint64_t max_bytes);

}  // namespace tl
