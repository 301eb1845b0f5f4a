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

// A regular file (links followed) opened for reading, for readers that take parts of it (a tar
// shard's headers and members) and for read_regular_file: the descriptor, closed with the object,
// and the size; else, with no descriptor, the reason, as read_regular_file gives it. A FIFO never
// blocks the open.
class RegularFile {
 public:
  explicit RegularFile(const std::filesystem::path& path);
  ~RegularFile();
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;

  bool is_open() const { return descriptor_ >= 0; }
  int descriptor() const { return descriptor_; }
  uint64_t size() const { return size_; }
  const std::string& error() const { return error_; }
  bool missing() const { return missing_; }  // there is no such file

 private:
  int descriptor_ = -1;
  uint64_t size_ = 0;
  std::string error_;
  bool missing_ = false;
};

// Only a regular file (links followed) of at most max_bytes is read. A FIFO never blocks the open, a
// link to /dev/zero is never read, a symlink loop is a reason rather than an exception.
BoundedRead read_regular_file(const std::filesystem::path& path, uint64_t max_bytes);

// The same, for a caller that needs the bytes: tl::Error "<path>: <reason>" ("<path>: missing" when
// there is no such file).
std::string read_regular_file_or_throw(const std::filesystem::path& path, uint64_t max_bytes);

}  // namespace tl
