#pragma once
// The config of an in-process run on a synthetic image folder (make_image_folder): one thread, a
// feature cache of its own, 30% of the images for validation, none for test. Tests add the model
// (and whatever else they vary).
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace tl::testing {

inline nlohmann::json synthetic_run_config(const std::filesystem::path& work, const std::filesystem::path& data,
                                           const std::filesystem::path& run, int seed) {
  return {{"name", run.filename().string()},
          {"seed", seed},
          {"threads", 1},
          {"cache_dir", (work / "cache").string()},
          {"data",
           {{"layout", "image_folder"},
            {"root", data.string()},
            {"val_fraction", 0.3},
            {"test_fraction", 0.0},
            {"workers", 1}}},
          {"output", {{"dir", run.string()}}}};
}

}  // namespace tl::testing
