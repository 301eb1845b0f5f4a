#include "tl/base/file_bytes.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tl/base/error.hpp"

namespace tl {
namespace {

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a file";
}

}  // namespace

RegularFile::RegularFile(const std::filesystem::path& path) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
  const int descriptor = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (descriptor < 0) {
    const int error = errno;
    missing_ = error == ENOENT;
    error_ = missing_ ? "cannot open file" : std::string("cannot open file: ") + std::strerror(error);
    return;
  }
  struct stat status {};
  if (::fstat(descriptor, &status) != 0) {
    error_ = std::string("cannot read file: ") + std::strerror(errno);
  } else if (!S_ISREG(status.st_mode)) {
    error_ = "not a regular file (" + kind_of(status.st_mode) + ")";
  } else {
    descriptor_ = descriptor;
    size_ = static_cast<uint64_t>(status.st_size);
    return;
  }
  ::close(descriptor);
}

RegularFile::~RegularFile() {
  if (descriptor_ >= 0) ::close(descriptor_);
}

BoundedRead read_regular_file(const std::filesystem::path& path, uint64_t max_bytes) {
  BoundedRead result;
  const RegularFile file(path);
  if (!file.is_open()) {
    result.error = file.error();
    result.missing = file.missing();
    return result;
  }
  const auto too_large = [&](uint64_t size) {
    return "file too large: " + std::to_string(size) + " bytes (limit " + std::to_string(max_bytes) + ")";
  };
  if (file.size() > max_bytes) {
    result.error = too_large(file.size());
    return result;
  }
  std::string bytes(static_cast<size_t>(file.size()), '\0');
  size_t filled = 0;
  // A file that grows while it is read is read up to the limit, never past it.
  while (true) {
    if (filled == bytes.size()) {
      if (bytes.size() > max_bytes) {
        result.error = too_large(bytes.size());
        return result;
      }
      bytes.resize(std::min<uint64_t>(max_bytes + 1, bytes.size() + 65536));
    }
    const ssize_t got = ::read(file.descriptor(), bytes.data() + filled, bytes.size() - filled);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      result.error = std::string("cannot read file: ") + std::strerror(errno);
      return result;
    }
    if (got == 0) break;
    filled += static_cast<size_t>(got);
  }
  bytes.resize(filled);
  result.bytes = std::move(bytes);
  return result;
}

std::string read_regular_file_or_throw(const std::filesystem::path& path, uint64_t max_bytes) {
  BoundedRead read = read_regular_file(path, max_bytes);
  if (!read.bytes) throw Error(path.string() + ": " + (read.missing ? "missing" : read.error));
  return std::move(*read.bytes);
}

}  // namespace tl
