#include "tl/run/run_lock.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "tl/base/error.hpp"

namespace tl {

RunLock::RunLock(const std::filesystem::path& run_directory) {
  std::error_code error;
  std::filesystem::create_directories(run_directory, error);
  if (error) throw Error(run_directory.string() + ": cannot create run directory: " + error.message());
  const std::filesystem::path file = run_directory / ".lock";
  descriptor_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (descriptor_ < 0) throw Error(file.string() + ": cannot create lock file: " + std::strerror(errno));
  if (::flock(descriptor_, LOCK_EX | LOCK_NB) != 0) {
    const int reason = errno;
    std::array<char, 256> holder{};
    const ssize_t got = ::pread(descriptor_, holder.data(), holder.size() - 1, 0);
    ::close(descriptor_);
    descriptor_ = -1;
    if (reason != EWOULDBLOCK) throw Error(file.string() + ": cannot lock: " + std::strerror(reason));
    std::string who = got > 0 ? std::string(holder.data(), static_cast<size_t>(got)) : "another process";
    while (!who.empty() && (who.back() == '\n' || who.back() == '\r')) who.pop_back();
    throw Error(run_directory.string() + ": in use by " + who +
                "; wait for it to end, or choose another output.dir (--set output.dir=DIR)");
  }
  std::array<char, 256> host{};
  ::gethostname(host.data(), host.size() - 1);
  const std::string holder = "pid " + std::to_string(::getpid()) + " on " + host.data() + "\n";
  // Best effort: without the note the lock holds all the same; a second writer is only told less.
  if (::ftruncate(descriptor_, 0) == 0) (void)!::pwrite(descriptor_, holder.data(), holder.size(), 0);
}

RunLock::~RunLock() {
  if (descriptor_ >= 0) ::close(descriptor_);  // closing releases the flock
}

}  // namespace tl
