#pragma once
// POSIX ustar archives, written byte for byte the same for the same members: nothing of the
// machine that writes them (time 0, owner 0, mode 0644) goes in, so a shard's sha256 fingerprints
// its data alone and tl-shard run twice on the same images writes the same files.
#include <cstdint>
#include <string>

namespace tl {

class TarWriter {
 public:
  // Appends a regular file; `name` is at most 100 bytes of printable ASCII without "..". Throws
  // tl::Error otherwise.
  void add(const std::string& name, const std::string& bytes);
  // The archive so far plus its end (two zero blocks).
  std::string finish() const;
  // Its size once finished, were `bytes` more of data added as one member.
  uint64_t size_with(uint64_t bytes) const;
  bool empty() const { return members_ == 0; }

 private:
  std::string archive_;
  int64_t members_ = 0;
};

}  // namespace tl
