#include "tl/base/json_file.hpp"

#include "tl/base/error.hpp"
#include "tl/base/file_bytes.hpp"

namespace tl {

nlohmann::json read_json_file(const std::filesystem::path& path, uint64_t max_bytes) {
  const std::string bytes = read_regular_file_or_throw(path, max_bytes);
  try {
    return nlohmann::json::parse(bytes);
  } catch (const nlohmann::json::parse_error& error) {
    throw Error(path.string() + ": not valid JSON: " + error.what());
  }
}

}  // namespace tl
