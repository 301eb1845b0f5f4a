#include "tl/train/run_identity.hpp"

#include "tl/base/content_hash.hpp"
#include "tl/base/utf8_text.hpp"

namespace tl {
namespace {

// Settings that change where or how fast a run goes, not what it computes. Where the data and the
// backbones are may change too: the split's digest and the backbones' hashes say whether they did.
// eval.calibration acts once training has ended, on best.pt, whatever the epochs before did.
constexpr const char* kFreeToChange[] = {
    "/name",           "/device",         "/threads",         "/cache",         "/cache_dir",
    "/output",         "/data/root",      "/data/workers",    "/data/prefetch", "/data/batch_size",
    "/model/backbone", "/model/metadata", "/eval/calibration"};

}  // namespace

nlohmann::json run_identity(const Experiment& experiment, const Dataset& dataset, const Split& split) {
  nlohmann::json config = experiment.resolved;
  for (const char* pointer : kFreeToChange) {
    const nlohmann::json::json_pointer key(pointer);
    if (config.contains(key)) config[key.parent_pointer()].erase(key.back());
  }
  std::string listing;
  const auto list = [&](const char* name, const std::vector<size_t>& indices) {
    for (const size_t index : indices) {
      const Sample& sample = dataset.samples[index];
      listing += std::string(name) + "\t" + std::to_string(sample.label) + "\t" +
                 path_text(std::filesystem::path(sample.path).lexically_relative(experiment.data.root)) + "\n";
    }
  };
  list("train", split.train);
  list("val", split.val);
  list("test", split.test);
  return {{"config", config}, {"split_sha256", sha256_bytes(listing)}};
}

std::string run_identity_differences(const nlohmann::json& recorded, const nlohmann::json& now) {
  std::string differences;
  const nlohmann::json patch = nlohmann::json::diff(recorded.value("config", nlohmann::json::object()),
                                                    now.value("config", nlohmann::json::object()));
  const nlohmann::json then_flat = recorded.value("config", nlohmann::json::object()).flatten();
  const nlohmann::json now_flat = now.value("config", nlohmann::json::object()).flatten();
  size_t shown = 0;
  for (const nlohmann::json& operation : patch) {
    if (++shown > 5) {
      differences += "; and more";
      break;
    }
    const std::string pointer = operation["path"].get<std::string>();
    std::string key = pointer.substr(1);
    for (char& c : key) c = c == '/' ? '.' : c;
    const auto value_at = [&](const nlohmann::json& flat) {
      std::string text;
      for (const auto& [path, value] : flat.items()) {
        if (path == pointer || path.rfind(pointer + "/", 0) == 0) text += (text.empty() ? "" : ",") + value.dump();
      }
      return text.empty() ? std::string("unset") : text;
    };
    differences +=
        (differences.empty() ? "" : "; ") + key + ": " + value_at(then_flat) + " then, " + value_at(now_flat) + " now";
  }
  if (recorded.value("split_sha256", "") != now.value("split_sha256", "")) {
    differences += std::string(differences.empty() ? "" : "; ") +
                   "the split (files were added, removed or renamed in data.root, or their classes changed)";
  }
  return differences;
}

}  // namespace tl
