#include "tl/data/dataset_description.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include "tl/base/utf8_text.hpp"
#include "tl/data/image_decoder.hpp"

namespace tl {
namespace {

// A reduced decode is enough to know that a file decodes, and much faster for large JPEGs.
constexpr int kShorterSideToCheck = 32;

nlohmann::json undecodable_files(const Dataset& dataset, int threads) {
  std::vector<std::string> errors(dataset.samples.size());
  std::atomic<size_t> next{0};
  const auto work = [&] {
    for (size_t i = next++; i < dataset.samples.size(); i = next++) {
      errors[i] = decode_sample(dataset.samples[i], kShorterSideToCheck).error;
    }
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < std::max(1, threads); ++t) workers.emplace_back(work);
  work();
  for (auto& worker : workers) worker.join();
  nlohmann::json files = nlohmann::json::array();
  for (size_t i = 0; i < errors.size(); ++i) {
    if (!errors[i].empty()) files.push_back({{"path", path_text(dataset.samples[i].path)}, {"reason", errors[i]}});
  }
  return files;
}

nlohmann::json unusable_entries(const Dataset& dataset) {
  nlohmann::json entries = nlohmann::json::array();
  for (const SkippedFile& file : dataset.unusable) {
    entries.push_back({{"path", path_text(file.path)}, {"reason", file.reason}});
  }
  return entries;
}

}  // namespace

nlohmann::json describe_dataset(const Dataset& dataset, const Split& split, const DescriptionOptions& options) {
  const size_t classes = dataset.class_names.size();
  const std::vector<int> train = class_counts(dataset, split.train), val = class_counts(dataset, split.val),
                         test = class_counts(dataset, split.test);
  nlohmann::json per_class = nlohmann::json::array();
  for (size_t c = 0; c < classes; ++c) {
    per_class.push_back(
        {{"name", utf8_text(dataset.class_names[c])}, {"train", train[c]}, {"val", val[c]}, {"test", test[c]}});
  }
  nlohmann::json description = {
      {"classes", per_class},
      {"images", {{"train", split.train.size()}, {"val", split.val.size()}, {"test", split.test.size()}}},
      {"official_split", dataset.has_official_split()},
      {"ignored_files", dataset.ignored_files},
      {"unusable", unusable_entries(dataset)}};
  if (classes > 0) {
    const auto [smallest, largest] = std::minmax_element(train.begin(), train.end());
    // Largest over smallest training class: 1 is balanced; train.class_weights: balanced evens it out.
    description["imbalance"] = *smallest > 0 ? nlohmann::json(static_cast<double>(*largest) / *smallest) : nullptr;
  }
  if (options.decode_every_image) description["undecodable"] = undecodable_files(dataset, options.threads);
  return description;
}

}  // namespace tl
