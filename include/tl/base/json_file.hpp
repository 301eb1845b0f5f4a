#pragma once
// Reading a JSON file tl or a user wrote, with errors that name the file.
#include <filesystem>

#include <nlohmann/json.hpp>

namespace tl {

// Throws tl::Error "<path>: missing" or "<path>: not valid JSON: ...".
nlohmann::json read_json_file(const std::filesystem::path& path);

}  // namespace tl
