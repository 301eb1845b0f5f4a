#include "tl/data/tar_writer.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "tl/base/error.hpp"

namespace tl {
namespace {

constexpr size_t kBlock = 512;

uint64_t padded(uint64_t bytes) { return (bytes + kBlock - 1) / kBlock * kBlock; }

// An octal field of `width` bytes: width-1 digits and a NUL, as ustar writes sizes and modes.
void octal(char* field, size_t width, uint64_t value) {
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(value));
}

}  // namespace

void TarWriter::add(const std::string& name, const std::string& bytes) {
  const bool printable = std::all_of(name.begin(), name.end(), [](char c) { return c > ' ' && c < 127; });
  if (name.empty() || name.size() > 100 || !printable || name.find("..") != std::string::npos || name[0] == '/') {
    throw Error("tar member name \"" + name + "\": expected 1 to 100 printable ASCII characters, no \"..\"");
  }
  if (bytes.size() >= (uint64_t{1} << 33)) throw Error("tar member " + name + ": larger than ustar's 8 GiB");
  char header[kBlock] = {};
  std::copy(name.begin(), name.end(), header);  // a full 100-byte name has no NUL, as ustar allows
  octal(header + 100, 8, 0644);
  octal(header + 108, 8, 0);
  octal(header + 116, 8, 0);
  octal(header + 124, 12, bytes.size());
  octal(header + 136, 12, 0);
  header[156] = '0';
  std::memcpy(header + 257, "ustar", 6);  // with its NUL
  header[263] = header[264] = '0';        // version "00", no NUL
  std::memset(header + 148, ' ', 8);      // the checksum counts its own field as spaces
  unsigned sum = 0;
  for (const char byte : header) sum += static_cast<unsigned char>(byte);
  std::snprintf(header + 148, 8, "%06o", sum);
  header[155] = ' ';
  archive_.append(header, kBlock);
  archive_.append(bytes);
  archive_.append(padded(bytes.size()) - bytes.size(), '\0');
  ++members_;
}

std::string TarWriter::finish() const { return archive_ + std::string(2 * kBlock, '\0'); }

uint64_t TarWriter::size_with(uint64_t bytes) const { return archive_.size() + kBlock + padded(bytes) + 2 * kBlock; }

}  // namespace tl
