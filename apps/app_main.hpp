#pragma once
// The one policy every tl executable shares: errors a user can act on are printed as one line and
// exit 1; usage errors print CLI11's message and exit 2; --help exits 0.
#include <cstdio>
#include <exception>
#include <functional>
#include <optional>

#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>

#include "tl/base/error.hpp"
#include "tl/base/interruption.hpp"

namespace tl::app {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 130;  // the shell's convention for SIGINT

// Parses the command line; returns an exit code when the program should stop here.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : kExitUsage;
  }
  return std::nullopt;
}

inline int guarded(const char* program, const std::function<int()>& body) {
  try {
    return body();
  } catch (const tl::Interrupted& error) {
    std::fprintf(stderr, "%s: %s\n", program, error.what());
    return kExitInterrupted;
  } catch (const tl::Error& error) {
    std::fprintf(stderr, "%s: error: %s\n", program, error.what());
  } catch (const c10::Error& error) {
    std::fprintf(stderr, "%s: error in LibTorch: %s\n", program, error.what_without_backtrace());
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s: unexpected error: %s\n", program, error.what());
  }
  return kExitError;
}

}  // namespace tl::app
