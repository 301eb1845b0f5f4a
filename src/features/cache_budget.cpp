#include "tl/features/cache_budget.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include "tl/base/byte_size.hpp"

namespace fs = std::filesystem;

namespace tl {
namespace {

// An entry as the walk found it.
struct Entry {
  fs::file_time_type used;
  int64_t bytes = 0;
  fs::path path;
};

bool is_entry(const fs::directory_entry& file) {
  std::error_code error;
  return file.path().extension() == ".feat" && file.is_regular_file(error);
}

// Every entry of one namespace folder; files that vanish during the walk (another process pruned
// them) are left out.
template <typename Visit>
void for_each_entry(const fs::path& space, Visit visit) {
  std::error_code error;
  for (fs::recursive_directory_iterator it(space, fs::directory_options::skip_permission_denied, error), end;
       !error && it != end; it.increment(error)) {
    if (!is_entry(*it)) continue;
    std::error_code stat_error;
    const auto bytes = static_cast<int64_t>(it->file_size(stat_error));
    const auto used = it->last_write_time(stat_error);
    if (!stat_error) visit(Entry{used, bytes, it->path()});
  }
}

std::string description_of(const fs::path& space) {
  std::ifstream file(space / "namespace.txt");
  std::ostringstream text;
  text << file.rdbuf();
  std::string description = text.str();
  while (!description.empty() && description.back() == '\n') description.pop_back();
  return description;
}

std::vector<fs::path> namespace_folders(const fs::path& directory) {
  std::vector<fs::path> folders;
  std::error_code error;
  for (fs::directory_iterator it(directory / "features", error), end; !error && it != end; it.increment(error)) {
    std::error_code type_error;
    if (it->is_directory(type_error)) folders.push_back(it->path());
  }
  return folders;
}

}  // namespace

CacheUsage cache_usage(const fs::path& directory) {
  CacheUsage usage;
  for (const fs::path& folder : namespace_folders(directory)) {
    CacheNamespace space{folder.filename().string(), description_of(folder), 0, 0};
    for_each_entry(folder, [&](const Entry& entry) {
      ++space.entries;
      space.bytes += entry.bytes;
    });
    usage.entries += space.entries;
    usage.bytes += space.bytes;
    usage.namespaces.push_back(space);
  }
  std::sort(usage.namespaces.begin(), usage.namespaces.end(),
            [](const CacheNamespace& a, const CacheNamespace& b) { return a.bytes > b.bytes; });
  return usage;
}

namespace {

// Every entry of the cache, and their total size: one walk, for both deciding and pruning.
struct Walk {
  std::vector<Entry> entries;
  int64_t total = 0;
};

Walk walk_entries(const fs::path& directory) {
  Walk walk;
  for (const fs::path& folder : namespace_folders(directory)) {
    for_each_entry(folder, [&](const Entry& entry) {
      walk.total += entry.bytes;
      walk.entries.push_back(entry);
    });
  }
  return walk;
}

PruneResult remove_oldest(Walk walk, int64_t target_bytes) {
  PruneResult result;
  if (walk.total > target_bytes) {
    std::sort(walk.entries.begin(), walk.entries.end(), [](const Entry& a, const Entry& b) { return a.used < b.used; });
    for (const Entry& entry : walk.entries) {
      if (walk.total <= target_bytes) break;
      std::error_code error;
      if (fs::remove(entry.path, error)) {  // false when another process removed it first
        ++result.removed_entries;
        result.removed_bytes += entry.bytes;
      }
      walk.total -= entry.bytes;
    }
  }
  result.kept_bytes = walk.total;
  return result;
}

}  // namespace

PruneResult prune_cache(const fs::path& directory, int64_t target_bytes) {
  return remove_oldest(walk_entries(directory), target_bytes);
}

int64_t default_cache_budget(const fs::path& directory) {
  fs::path existing = directory;
  std::error_code error;
  while (!existing.empty() && !fs::exists(existing, error)) existing = existing.parent_path();
  struct statvfs stats {};
  if (existing.empty() || ::statvfs(existing.c_str(), &stats) != 0) return 0;
  const auto size = static_cast<int64_t>(stats.f_blocks) * static_cast<int64_t>(stats.f_frsize);
  constexpr int64_t kGiB = int64_t{1} << 30;
  return std::clamp(size / 10, kGiB, 100 * kGiB);
}

void keep_cache_within(const fs::path& directory, std::optional<int64_t> max_bytes) {
  const int64_t budget = max_bytes.value_or(default_cache_budget(directory));
  if (budget <= 0) return;
  try {
    Walk walk = walk_entries(directory);
    const int64_t held = walk.total;
    if (held <= budget) return;
    const PruneResult pruned = remove_oldest(std::move(walk), prune_target(budget));
    spdlog::info(
        "feature cache {} held {} over its budget of {} (cache.max_bytes): removed the {} entries used "
        "longest ago ({}), {} kept",
        directory.string(), byte_size_text(held), byte_size_text(budget), pruned.removed_entries,
        byte_size_text(pruned.removed_bytes), byte_size_text(pruned.kept_bytes));
  } catch (const std::exception& error) {
    spdlog::warn("feature cache {} not pruned: {}", directory.string(), error.what());
  }
}

}  // namespace tl
