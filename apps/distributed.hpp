#pragma once
// What tl-train and tl-eval share for running as several processes: --nproc N starts N ranks of the
// same command on this machine; a process started with torchrun's variables (by --nproc, torchrun,
// Slurm or by hand) joins its group. Ranks other than 0 log only warnings and errors.
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "tl/base/logging.hpp"
#include "tl/dist/local_launcher.hpp"
#include "tl/dist/process_group.hpp"

namespace tl::app {

inline void add_nproc_option(CLI::App& app, int& nproc) {
  app.add_option("--nproc", nproc,
                 "start this many ranks on this machine (data parallel; each gets cores/N threads); for several "
                 "machines set RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT instead")
      ->check(CLI::Range(1, 256));
}

// With --nproc N > 1 this process launches the ranks and returns their exit code.
inline std::optional<int> launch_ranks_if_asked(int nproc, int argc, char** argv) {
  if (nproc <= 1) return std::nullopt;
  if (std::getenv("WORLD_SIZE") != nullptr) {
    std::fprintf(stderr, "%s: --nproc starts its own ranks; leave it out when WORLD_SIZE is set (torchrun, Slurm)\n",
                 argv[0]);
    return 2;
  }
  std::vector<std::string> arguments;
  for (int i = 0; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--nproc") {
      ++i;
    } else if (argument.rfind("--nproc=", 0) != 0) {
      arguments.push_back(argument);
    }
  }
  return launch_local_ranks(nproc, arguments);
}

inline void log_quietly_unless_first_rank(const ProcessGroup& group, LogLevel level) {
  if (group.rank() != 0 && level != LogLevel::verbose) spdlog::set_level(spdlog::level::warn);
  if (group.size() > 1)
    spdlog::info("distributed: {} ranks (Gloo over {})", group.size(), group.world().master_address);
}

}  // namespace tl::app
