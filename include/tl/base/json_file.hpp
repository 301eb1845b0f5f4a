#pragma once
// Reading a JSON file tl or a user wrote, with errors that name the file.
#include <cstdint>
#include <filesystem>

#include <nlohmann/json.hpp>

namespace tl {

// At most `max_bytes` of a regular file. Throws tl::Error "<path>: missing", "<path>: not a regular
// file (a FIFO)", "<path>: file too large: ..." or "<path>: not valid JSON: ...".
nlohmann::json read_json_file(const std::filesystem::path& path, uint64_t max_bytes);

}  // namespace tl
