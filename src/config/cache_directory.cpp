#include "tl/config/cache_directory.hpp"

#include <cstdlib>

namespace fs = std::filesystem;

namespace tl {

fs::path default_cache_directory() {
  if (const char* explicit_directory = std::getenv("TL_CACHE_DIR"); explicit_directory && *explicit_directory) {
    return explicit_directory;
  }
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "tl";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "tl";
  return fs::temp_directory_path() / "tl-cache";
}

}  // namespace tl
