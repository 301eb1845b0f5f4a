#pragma once
// SkippedFiles: the images a run could not use, each with the reason. Thread-safe: decoding workers
// report into it. Each file is logged once, however many times it is met; the files themselves
// are never touched.
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tl {

struct SkippedFile {
  std::filesystem::path path;
  std::string reason;
};

class SkippedFiles {
 public:
  // `announce`: log it (once); off for files another process already reported.
  void add(const std::filesystem::path& path, const std::string& reason, bool announce = true);
  std::vector<SkippedFile> list() const;  // in the order first met
  size_t count() const;
  nlohmann::json to_json() const;

 private:
  mutable std::mutex mutex_;
  std::vector<SkippedFile> files_;
};

}  // namespace tl
