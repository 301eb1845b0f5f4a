#pragma once
// SHA-256 of a file's bytes, as lowercase hex. Identifies a backbone by content, not by name, so a
// replaced file is noticed even when its path stays the same.
#include <string>

namespace tl {

std::string sha256_bytes(const std::string& bytes);

}  // namespace tl
