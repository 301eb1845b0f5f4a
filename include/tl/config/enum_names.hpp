#pragma once
// The value of an enum spelled as name_of(value) spells it: how configs, checkpoints and training
// states read their choices back from text.
#include <array>
#include <cstddef>
#include <optional>
#include <string>

namespace tl {

template <typename Enum, size_t N>
std::optional<Enum> value_named(const std::array<Enum, N>& values, const std::string& name) {
  for (const Enum value : values) {
    if (name == name_of(value)) return value;
  }
  return std::nullopt;
}

}  // namespace tl
