#pragma once
// The feature cache's size, bounded. Every entry a run reads has its modification time set to now,
// so the times order entries by last use; when the cache holds more than its budget, the entries
// used longest ago go first, whatever backbone or preprocessing they belong to, until it holds at
// most nine tenths of the budget (so that the next run does not prune again at once).
//
// Safe beside other processes: a reader that finds its entry gone computes it again, a writer's
// temporary files are left alone, and two processes pruning at once only remove what is gone
// anyway. Free of LibTorch: tl-info shows and prunes caches without loading tensors.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tl {

// One namespace of the cache: one backbone file (and precision) in one preprocessing and view.
struct CacheNamespace {
  std::string name;         // the folder under features/
  std::string description;  // what namespace.txt beside its entries says it holds; empty in older caches
  int64_t entries = 0;
  int64_t bytes = 0;
};

struct CacheUsage {
  std::vector<CacheNamespace> namespaces;  // largest first
  int64_t entries = 0;
  int64_t bytes = 0;
};

// What the cache under `directory` (cache_dir) holds. An absent directory holds nothing.
CacheUsage cache_usage(const std::filesystem::path& directory);

struct PruneResult {
  int64_t removed_entries = 0;
  int64_t removed_bytes = 0;
  int64_t kept_bytes = 0;
};

// Removes the least recently used entries until at most `target_bytes` remain. Folders stay (at
// most 256 per namespace): removing one could pull it from under a writer about to store in it.
PruneResult prune_cache(const std::filesystem::path& directory, int64_t target_bytes);

// When a cache over `max_bytes` is pruned, and to what.
inline int64_t prune_target(int64_t max_bytes) { return max_bytes / 10 * 9; }

// The default budget: a tenth of the filesystem holding `directory` (or its nearest existing
// parent), at least 1 GiB and at most 100 GiB. 0 when the size cannot be read.
int64_t default_cache_budget(const std::filesystem::path& directory);

// What a run that stored entries calls at its end: when the cache holds more than `max_bytes`
// (nothing: default_cache_budget), prunes it to prune_target and logs what went. Never throws: a
// cache that cannot be pruned only stays large (a warning).
void keep_cache_within(const std::filesystem::path& directory, std::optional<int64_t> max_bytes);

}  // namespace tl
