#pragma once
// The exclusive right to write a run directory, held for the life of the object, so two tl-train
// processes can never interleave one run's metrics and checkpoints. It is an flock on <run>/.lock,
// which the kernel releases however the holder ends, so a killed run never blocks its own resume
// (git's lock files need a manual clean-up after a crash; this does not).
#include <filesystem>

namespace tl {

class RunLock {
 public:
  // Creates the directory if needed. Throws tl::Error naming the holder (pid and host) when another
  // process holds the lock.
  explicit RunLock(const std::filesystem::path& run_directory);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int descriptor_ = -1;
};

}  // namespace tl
