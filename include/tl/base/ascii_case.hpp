#pragma once
// ASCII case folding, for names compared without regard to case: class names ("Cat" meets "cat")
// and file extensions (".JPG" is a ".jpg").
#include <algorithm>
#include <cctype>
#include <string>

namespace tl {

inline std::string ascii_lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace tl
