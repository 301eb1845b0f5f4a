#pragma once
// Running another program to completion with its output captured in a log file: how a sweep runs
// each variant, so a variant that crashes (even by a signal) cannot take the sweep down with it.
#include <filesystem>
#include <string>
#include <vector>

namespace tl {

struct ProcessResult {
  int exit_code = -1;  // when it exited
  int signal = 0;      // when a signal ended it
  bool succeeded() const { return signal == 0 && exit_code == 0; }
  std::string describe() const;  // "exit code 1", "killed by signal 9 (Killed)"
};

// Runs `program` (a path, or a name looked up in PATH) with `arguments`, stdout and stderr appended
// to `log`. Throws tl::Error when it cannot be started at all.
ProcessResult run_process(const std::filesystem::path& program, const std::vector<std::string>& arguments,
                          const std::filesystem::path& log);

}  // namespace tl
