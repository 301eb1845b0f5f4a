#include "tl/base/atomic_file.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <regex>

#include <fcntl.h>
#include <unistd.h>

#include "tl/base/error.hpp"
#include "tl/base/file_bytes.hpp"

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

void write_descriptor(int descriptor, const std::string& content, const fs::path& target) {
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t step = ::write(descriptor, content.data() + written, content.size() - written);
    if (step < 0 && errno == EINTR) continue;
    if (step < 0) throw Error(target.string() + ": cannot write file: " + std::strerror(errno));
    written += static_cast<size_t>(step);
  }
}

// Errors name the file the user asked for; the temporary beside it is an implementation detail.
void write_all(const fs::path& temporary, const std::string& content, Durability durability, const fs::path& target) {
  const auto failure = [&](const char* what) {
    return Error(target.string() + ": " + what + ": " + std::strerror(errno));
  };
  const int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (descriptor < 0) throw failure("cannot create file");
  try {
    write_descriptor(descriptor, content, target);
  } catch (...) {
    ::close(descriptor);
    throw;
  }
  if (durability == Durability::flushed && ::fsync(descriptor) != 0) {
    const Error error = failure("cannot write file");
    ::close(descriptor);
    throw error;
  }
  if (::close(descriptor) != 0) throw failure("cannot write file");
}

// Where the bytes for a path go. A symlink is followed to the file it names, so the link survives;
// a FIFO, a device or one of this process's descriptors (/dev/stdout, /dev/fd/N) is written to as it
// is, since renaming over it would replace it with a plain file.
struct Destination {
  fs::path path;
  bool stream = false;  // write through instead of replacing
  int descriptor = -1;  // an open descriptor of this process to write to, else open `path`
};

Destination destination_of(const fs::path& requested) {
  static const std::regex own_descriptor(R"(/(?:proc/self|dev)/fd/([0-9]{1,9}))");
  fs::path current = requested;
  for (int hops = 0; hops < 40; ++hops) {
    std::smatch match;
    const std::string text = current.lexically_normal().string();
    if (std::regex_match(text, match, own_descriptor)) return {current, true, std::stoi(match[1].str())};
    std::error_code error;
    const fs::file_status status = fs::symlink_status(current, error);
    if (fs::is_symlink(status)) {
      const fs::path target = fs::read_symlink(current, error);
      if (error) throw Error(requested.string() + ": cannot follow symbolic link: " + error.message());
      current = target.is_absolute() ? target : current.parent_path() / target;
      continue;
    }
    const bool special = fs::exists(status) && !fs::is_regular_file(status) && !fs::is_directory(status);
    return {current, special, -1};
  }
  throw Error(requested.string() + ": too many levels of symbolic links");
}

void write_through(const Destination& destination, const std::string& content, const fs::path& requested) {
  if (destination.descriptor >= 0) {
    write_descriptor(destination.descriptor, content, requested);
    return;
  }
  const int descriptor = ::open(destination.path.c_str(), O_WRONLY | O_CLOEXEC);
  if (descriptor < 0) throw Error(requested.string() + ": cannot open for writing: " + std::strerror(errno));
  try {
    write_descriptor(descriptor, content, requested);
  } catch (...) {
    ::close(descriptor);
    throw;
  }
  ::close(descriptor);
}

}  // namespace

namespace {

void replace_regular_file(const fs::path& path, const std::function<void(const fs::path& temporary)>& write,
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

// The scratch file as its writer left it; a read error is an error, never a shorter output.
std::string scratch_bytes(const fs::path& scratch, const fs::path& requested) {
  std::error_code error;
  const uintmax_t size = fs::file_size(scratch, error);
  if (error)
    throw Error(requested.string() + ": no output was written (" + scratch.string() + ": " + error.message() + ")");
  const BoundedRead read = read_regular_file(scratch, size);
  if (!read.bytes) throw Error(requested.string() + ": " + read.error + " (" + scratch.string() + ")");
  return *read.bytes;
}

}  // namespace

void replace_file_atomically(const fs::path& path, const std::function<void(const fs::path& temporary)>& write,
                             Durability durability) {
  const Destination destination = destination_of(path);
  if (!destination.stream) {
    replace_regular_file(destination.path, write, durability);
    return;
  }
  // The writer wants a file name: it writes a scratch file, whose bytes then go through.
  const fs::path scratch = temporary_beside(fs::temp_directory_path() / "tl-output");
  try {
    write(scratch);
    write_through(destination, scratch_bytes(scratch, path), path);
  } catch (...) {
    std::error_code ignored;
    fs::remove(scratch, ignored);
    throw;
  }
  std::error_code ignored;
  fs::remove(scratch, ignored);
}

void write_file_atomically(const fs::path& path, const std::string& content, Durability durability) {
  const Destination destination = destination_of(path);
  if (destination.stream) {
    write_through(destination, content, path);
    return;
  }
  replace_regular_file(
      destination.path, [&](const fs::path& temporary) { write_all(temporary, content, durability, path); },
      durability);
}

}  // namespace tl
