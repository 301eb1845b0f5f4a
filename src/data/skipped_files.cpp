#include "tl/data/skipped_files.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "tl/base/utf8_text.hpp"

namespace tl {

void SkippedFiles::add(const std::filesystem::path& path, const std::string& reason, bool announce) {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    const bool known =
        std::any_of(files_.begin(), files_.end(), [&](const SkippedFile& file) { return file.path == path; });
    if (known) return;
    files_.push_back({path, reason});
  }
  if (announce) spdlog::warn("skipping {}: {}", path.string(), reason);
}

std::vector<SkippedFile> SkippedFiles::list() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return files_;
}

size_t SkippedFiles::count() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return files_.size();
}

nlohmann::json SkippedFiles::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& file : this->list()) list.push_back({{"path", path_text(file.path)}, {"reason", file.reason}});
  return list;
}

}  // namespace tl
