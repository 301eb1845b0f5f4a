#pragma once
// Reading a whole file into memory: config files, run records and images all need their bytes at once.
// Every file tl reads goes through read_regular_file, with a limit for its kind: a FIFO, a link to
// /dev/zero or a huge file put where tl expects one of its own is refused, never waited on or read.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace tl {

struct BoundedRead {
  std::optional<std::string> bytes;
  std::string error;     // why there are no bytes: "cannot open file", "not a regular file (a FIFO)", ...
  bool missing = false;  // there is no such file (the error is then "cannot open file")
};

// Only a regular file (links followed) of at most max_bytes is read. A FIFO never blocks the open, a
// link to /dev/zero is never read, a symlink loop is a reason rather than an exception.
BoundedRead read_regular_file(const std::filesystem::path& path, uint64_t max_bytes);

// The same, for a caller that needs the bytes: tl::Error "<path>: <reason>" ("<path>: missing" when
// there is no such file).
std::string read_regular_file_or_throw(const std::filesystem::path& path, uint64_t max_bytes);

}  // namespace tl
