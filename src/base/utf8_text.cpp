#include "tl/base/utf8_text.hpp"

#include <cstdint>

namespace tl {
namespace {

// The length of the well-formed UTF-8 sequence at `position` (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when the byte there does not start one.
size_t sequence_length(std::string_view bytes, size_t position) {
  const auto byte = [&](size_t offset) { return static_cast<uint8_t>(bytes[position + offset]); };
  const auto continuation = [&](size_t offset, uint8_t low = 0x80, uint8_t high = 0xBF) {
    return position + offset < bytes.size() && byte(offset) >= low && byte(offset) <= high;
  };
  const uint8_t lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    const uint8_t low = lead == 0xE0 ? 0xA0 : 0x80;
    const uint8_t high = lead == 0xED ? 0x9F : 0xBF;
    return continuation(1, low, high) && continuation(2) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const uint8_t low = lead == 0xF0 ? 0x90 : 0x80;
    const uint8_t high = lead == 0xF4 ? 0x8F : 0xBF;
    return continuation(1, low, high) && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

}  // namespace

size_t first_invalid_utf8(std::string_view bytes) {
  for (size_t position = 0; position < bytes.size();) {
    const size_t length = sequence_length(bytes, position);
    if (length == 0) return position;
    position += length;
  }
  return std::string_view::npos;
}

std::string utf8_text(std::string_view bytes) {
  if (is_valid_utf8(bytes)) return std::string(bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(bytes.size() + 16);
  for (size_t position = 0; position < bytes.size();) {
    const size_t length = sequence_length(bytes, position);
    if (length == 0) {
      const auto byte = static_cast<uint8_t>(bytes[position]);
      text += {'\\', 'x', kHex[byte >> 4], kHex[byte & 0xF]};
      ++position;
    } else if (bytes[position] == '\\') {
      text += "\\\\";
      ++position;
    } else {
      text.append(bytes.substr(position, length));
      position += length;
    }
  }
  return text;
}

}  // namespace tl
