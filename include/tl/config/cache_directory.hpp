#pragma once
// Where the feature cache lives when the config does not say (cache_dir): a per-user, per-machine
// default, so that runs share it without writing beside the data.
#include <filesystem>

namespace tl {

// $TL_CACHE_DIR, else $XDG_CACHE_HOME/tl, else ~/.cache/tl, else <temp>/tl-cache.
std::filesystem::path default_cache_directory();

}  // namespace tl
