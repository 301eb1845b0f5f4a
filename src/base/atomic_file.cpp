#include "tl/base/atomic_file.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include "tl/base/error.hpp"

namespace fs = std::filesystem;

namespace tl {
namespace {

fs::path temporary_beside(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  return path.parent_path() /
         ("." + path.filename().string() + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
}

void sync_path(const fs::path& path, int flags) {
  const int descriptor = ::open(path.c_str(), flags);
  if (descriptor < 0) return;  // syncing is best effort where the file system refuses it
  ::fsync(descriptor);
  ::close(descriptor);
}

// Errors name the file the user asked for; the temporary beside it is an implementation detail.
void write_all(const fs::path& temporary, const std::string& content, Durability durability, const fs::path& target) {
  const auto failure = [&](const char* what) {
    return Error(target.string() + ": " + what + ": " + std::strerror(errno));
  };
  const int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (descriptor < 0) throw failure("cannot create file");
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t step = ::write(descriptor, content.data() + written, content.size() - written);
    if (step < 0 && errno == EINTR) continue;
    if (step < 0) {
      const Error error = failure("cannot write file");
      ::close(descriptor);
      throw error;
    }
    written += static_cast<size_t>(step);
  }
  if (durability == Durability::flushed && ::fsync(descriptor) != 0) {
    const Error error = failure("cannot write file");
    ::close(descriptor);
    throw error;
  }
  if (::close(descriptor) != 0) throw failure("cannot write file");
}

}  // namespace

void replace_file_atomically(const fs::path& path, const std::function<void(const fs::path& temporary)>& write,
                             Durability durability) {
  const fs::path temporary = temporary_beside(path);
  const bool flush = durability == Durability::flushed;
  try {
    write(temporary);
    if (flush) sync_path(temporary, O_RDONLY);
    std::error_code error;
    fs::rename(temporary, path, error);
    if (error) throw Error(path.string() + ": cannot replace file: " + error.message());
  } catch (...) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw;
  }
  if (flush) sync_path(path.parent_path().empty() ? "." : path.parent_path(), O_RDONLY | O_DIRECTORY);
}

void write_file_atomically(const fs::path& path, const std::string& content, Durability durability) {
  replace_file_atomically(
      path, [&](const fs::path& temporary) { write_all(temporary, content, durability, path); }, durability);
}

}  // namespace tl
