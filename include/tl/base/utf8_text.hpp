#pragma once
// File and folder names are bytes; JSON, HTML and terminals need UTF-8. A name that is not valid
// UTF-8 (a Latin-1 "r\xe9d" copied from an old disk) is written with each stray byte as the four
// characters \xNN, so a run never stops on a name and the record still shows which bytes it had.
#include <filesystem>
#include <string>
#include <string_view>

namespace tl {

// The offset of the first byte that is not part of a well-formed UTF-8 sequence, or npos.
size_t first_invalid_utf8(std::string_view bytes);

inline bool is_valid_utf8(std::string_view bytes) { return first_invalid_utf8(bytes) == std::string_view::npos; }

// `bytes` unchanged when it is valid UTF-8; otherwise every byte outside a well-formed sequence
// (and every backslash, so that a stray byte and the text "\xNN" stay distinct) escaped.
std::string utf8_text(std::string_view bytes);

inline std::string path_text(const std::filesystem::path& path) { return utf8_text(std::string_view(path.native())); }

}  // namespace tl
