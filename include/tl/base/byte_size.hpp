#pragma once
// Sizes in bytes as people write them in configs and on command lines, and as tl prints them.
#include <cstdint>
#include <optional>
#include <string>

namespace tl {

// "20G", "500M", "1.5T", "64K", "123456" (bytes; K/M/G/T, with or without "iB", are powers of
// 1024). Nothing when `text` is none of these.
std::optional<int64_t> parse_byte_size(const std::string& text);
std::string byte_size_text(int64_t bytes);  // "1.5 GiB", "512 B"

}  // namespace tl
