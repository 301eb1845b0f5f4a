#pragma once
// The one policy every tl executable shares: errors a user can act on are printed as one line and
// exit 1; usage errors print CLI11's message and exit 2; --help exits 0; output that could not be
// written to standard output is an error.
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <type_traits>

#include <CLI/CLI.hpp>

#include "tl/base/build_info.hpp"
#include "tl/base/error.hpp"
#include "tl/base/interruption.hpp"
#include "tl/base/logging.hpp"

namespace tl::app {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 130;  // the shell's convention for SIGINT; 143 for SIGTERM

// An option that parses straight into one of the library's enums by its spellings (name_of): --help
// and errors list those spellings, and the default is shown by name rather than by number.
template <typename Enum, size_t N>
CLI::Option* add_enum_option(CLI::App& app, const std::string& flags, Enum& value, const std::string& description,
                             const std::array<Enum, N>& values) {
  std::map<std::string, Enum> named;
  std::string spellings;
  for (const Enum each : values) {
    named.emplace(name_of(each), each);
    spellings += (spellings.empty() ? "" : ",") + std::string(name_of(each));
  }
  // The enum travels through CLI11 as its number.
  const CLI::Validator by_name(
      [named, spellings](std::string& input) -> std::string {
        const auto found = named.find(input);
        if (found == named.end()) return "expected one of " + spellings + ", got \"" + input + "\"";
        input = std::to_string(static_cast<std::underlying_type_t<Enum>>(found->second));
        return "";
      },
      "{" + spellings + "}");
  return app.add_option(flags, value, description)->transform(by_name)->type_name("TEXT")->default_str(name_of(value));
}

// Every option's default is shown in --help; call before adding options.
inline void show_defaults_in_help(CLI::App& app) { app.option_defaults()->always_capture_default(); }

// -v/--verbose and -q/--quiet, the same on every tool.
struct Verbosity {
  bool verbose = false;
  bool quiet = false;
  tl::LogLevel level() const {
    return verbose ? tl::LogLevel::verbose : quiet ? tl::LogLevel::quiet : tl::LogLevel::normal;
  }
};

inline void add_verbosity_flags(CLI::App& app, Verbosity& verbosity) {
  auto* verbose = app.add_flag("-v,--verbose", verbosity.verbose, "debug logging");
  app.add_flag("-q,--quiet", verbosity.quiet, "only warnings and errors: no progress, no result lines on stderr")
      ->excludes(verbose);
}

inline void add_device_option(CLI::App& app, std::string& device) {
  app.add_option("--device", device, "auto, cpu, cuda or cuda:N");
}

inline void add_threads_option(CLI::App& app, int& threads) {
  app.add_option("--threads", threads,
                 "CPU threads for LibTorch (0: OMP_NUM_THREADS if set, else every CPU this process may use)")
      ->check(CLI::Range(0, 1024));
}

// For outputs that cannot be a stream: files written beside them are named after them, so the
// output must be a regular file's name (a device's, such as /dev/full, would put them in /dev).
inline const CLI::Validator kFileNameNotStdout(
    [](std::string& value) {
      if (value == "-") return std::string("needs a file name, not - (other files are written beside it)");
      std::error_code error;
      if (std::filesystem::exists(value, error) && !std::filesystem::is_regular_file(value, error)) {
        return value + " is not a regular file; name a file (other files are written beside it)";
      }
      return std::string();
    },
    "");

// What a tool printed reached its standard output: a full disk or a closed stream is an error
// (exit 1 and one line on stderr), never a silent success. Returns `code` otherwise.
inline int with_output_checked(const char* program, int code) {
  std::cout.flush();
  errno = 0;
  const bool failed = std::fflush(stdout) != 0 || std::ferror(stdout) != 0 || std::cout.fail();
  if (!failed) return code;
  const int error = errno;
  std::fprintf(stderr, "%s: error: cannot write standard output: %s\n", program,
               error != 0 ? std::strerror(error) : "a write failed (a full disk, or a closed stream)");
  return code == 0 ? kExitError : code;
}

// "-" names standard output, as for most command-line tools.
inline std::string output_path(const std::string& given) { return given == "-" ? "/dev/stdout" : given; }

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

// An argument as a POSIX shell reads it back: bare where that is safe, else in single quotes.
inline std::string shell_quoted(const std::string& argument) {
  const bool plain = !argument.empty() && argument.find_first_not_of(
                                              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789-_./=:,+@%") == std::string::npos;
  if (plain) return argument;
  std::string quoted = "'";
  for (const char c : argument) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The command as typed, so that the line recorded in summary.json can be pasted back into a terminal.
inline std::string command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) line += (i > 0 ? " " : "") + shell_quoted(argv[i]);
  return line;
}

// Parses the command line; returns an exit code when the program should stop here (--help and
// --version print to standard output, which must take it).
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    if (code != 0) return kExitUsage;
    const std::string program = argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "tl";
    return with_output_checked(program.c_str(), 0);
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
    return with_output_checked(program, body());
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
