#pragma once
// Logging for tl's executables: everything goes to stderr, so stdout carries only results
// (tables, --json output) that scripts can parse.
namespace tl {

void configure_logging(bool verbose);

}  // namespace tl
