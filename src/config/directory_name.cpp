#include "tl/config/directory_name.hpp"

#include <algorithm>

namespace tl {
namespace {

bool allowed(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

}  // namespace

std::optional<std::string> directory_name_problem(const std::string& name, const std::string& role) {
  if (name.size() > kMaxDirectoryNameLength) {
    return "expected at most " + std::to_string(kMaxDirectoryNameLength) + " characters (it names " + role + "), got " +
           std::to_string(name.size());
  }
  if (name.empty() || !std::all_of(name.begin(), name.end(), allowed)) {
    return "expected letters, digits, '.', '_' or '-' (it names " + role + "), got \"" + name + "\"";
  }
  if (name == "." || name == "..") return "expected a name other than \".\" or \"..\" (it names " + role + ")";
  return std::nullopt;
}

}  // namespace tl
