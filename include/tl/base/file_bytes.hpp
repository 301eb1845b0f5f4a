#pragma once
// Reading a whole file into memory: config files, run records and images all need their bytes at once.
#include <filesystem>
#include <optional>
#include <string>

namespace tl {

// The file's bytes, or nothing when it cannot be opened; callers say what that means for them.
std::optional<std::string> read_file_bytes(const std::filesystem::path& path);

}  // namespace tl
