#pragma once
// Base64 (RFC 4648, with padding) of raw bytes, for embedding images in self-contained HTML as data URIs.
#include <string>

namespace tl {

std::string base64_encode(const std::string& bytes);

}  // namespace tl
