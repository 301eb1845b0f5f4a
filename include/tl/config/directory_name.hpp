#pragma once
// Names that become directory names (a run's, a sweep's, a sweep variant's): checked by hand, never
// by a regular expression, whose recursion a long enough name turns into a stack overflow.
#include <cstddef>
#include <optional>
#include <string>

namespace tl {

inline constexpr size_t kMaxDirectoryNameLength = 255;  // a file name's limit on common file systems

// What is wrong with `name` as a directory name, as the end of an error message ("expected ..., got
// ..."), or nothing when it is fine: 1 to 255 letters, digits, '.', '_' or '-', and not "." or "..".
// `role` says what it names, e.g. "the run directory".
std::optional<std::string> directory_name_problem(const std::string& name, const std::string& role);

}  // namespace tl
