#pragma once
// The one policy every tl executable shares: errors a user can act on are printed as one line and
// exit 1; usage errors print CLI11's message and exit 2; --help exits 0.
#include <array>
#include <csignal>
#include <cstdio>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "tl/base/build_info.hpp"
#include "tl/base/error.hpp"
#include "tl/base/interruption.hpp"

namespace tl::app {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 130;  // the shell's convention for SIGINT; 143 for SIGTERM

// The spellings of an enum's values (name_of) for CLI::CheckedTransformer, so a flag parses straight
// into the library's enum and lists the valid choices in --help and in errors.
template <typename Enum, size_t N>
std::map<std::string, Enum> choices(const std::array<Enum, N>& values) {
  std::map<std::string, Enum> named;
  for (const Enum value : values) named.emplace(name_of(value), value);
  return named;
}

// --version: which tl (version, commit) and, from `runtime`, the libraries it runs on; asked only
// when the flag is given, since finding out about CUDA takes a moment.
inline void add_version_flag(CLI::App& app, const std::string& program, std::function<std::string()> runtime) {
  app.set_version_flag(
      "--version",
      [program, runtime] {
        return program + " " + tl::tl_version() + " (commit " + tl::tl_commit() + ")\n" + runtime();
      },
      "print the version, the git commit and the LibTorch/OpenCV/CUDA it runs on, and exit");
}

// The command as typed, each argument quoted for a POSIX shell where it needs to be, so that the
// line recorded in summary.json can be pasted back into a terminal.
inline std::string command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    const std::string argument = argv[i];
    const bool plain = !argument.empty() && argument.find_first_not_of(
                                                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                "0123456789-_./=:,+@%") == std::string::npos;
    std::string quoted = "'";
    for (const char c : argument) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += (i > 0 ? " " : "") + (plain ? argument : quoted + "'");
  }
  return line;
}

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

inline std::string describe_unexpected_error(const std::exception& error) {
  return std::string("unexpected error: ") + error.what();
}

// Runs the program's body; tl::Error and anything unexpected become one line on stderr and exit 1.
// `describe` words the unexpected ones (tl::describe_library_error for programs that use LibTorch).
inline int guarded(const char* program, const std::function<std::string(const std::exception&)>& describe,
                   const std::function<int()>& body) {
  try {
    return body();
  } catch (const tl::Interrupted& error) {
    std::fprintf(stderr, "%s: %s\n", program, error.what());
    return tl::interrupt_signal() == SIGTERM ? 128 + SIGTERM : kExitInterrupted;
  } catch (const tl::Error& error) {
    std::fprintf(stderr, "%s: error: %s\n", program, error.what());
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s: %s\n", program, describe(error).c_str());
  }
  return kExitError;
}

}  // namespace tl::app
