#pragma once
// Logging for tl's executables: everything goes to stderr, so stdout carries only results
// (tables, --json output) that scripts can parse.
namespace tl {

enum class LogLevel {
  quiet,    // warnings and errors only, no progress bars (-q)
  normal,   // progress and results
  verbose,  // and debug detail (-v)
};

void configure_logging(LogLevel level);

// Whether progress and result lines are wanted (not -q).
bool logs_progress();

}  // namespace tl
