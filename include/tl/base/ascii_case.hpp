#pragma once
// ASCII case folding, for names compared without regard to case: class names ("Cat" meets "cat")
// and file extensions (".JPG" is a ".jpg").
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

namespace tl {

inline std::string ascii_lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Where `name` is among `names`: an exact match first, else one that differs only in ASCII case.
inline std::optional<size_t> find_name(const std::vector<std::string>& names, const std::string& name) {
  auto found = std::find(names.begin(), names.end(), name);
  if (found == names.end()) {
    found = std::find_if(names.begin(), names.end(),
                         [&](const std::string& known) { return ascii_lowercase(known) == ascii_lowercase(name); });
  }
  if (found == names.end()) return std::nullopt;
  return static_cast<size_t>(found - names.begin());
}

}  // namespace tl
