#include "tl/features/feature_precision.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>

#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <unistd.h>

#include "tl/base/atomic_file.hpp"
#include "tl/base/content_hash.hpp"
#include "tl/base/error.hpp"
#include "tl/base/json_file.hpp"
#include "tl/base/processor.hpp"
#include "tl/config/enum_names.hpp"

namespace fs = std::filesystem;

namespace tl {
namespace {

torch::ScalarType scalar_type(Precision precision) {
  return precision == Precision::bfloat16 ? torch::kBFloat16 : torch::kFloat;
}

// Passes are repeated until this much time has been measured, so that a tiny backbone's figures are
// not one timer tick.
constexpr double kMeasuredSeconds = 0.3;

// One precision's trial, and the features its last pass gave.
struct TimedPass {
  PrecisionTrial trial;
  torch::Tensor features;
};

TimedPass run_trial(Backbone& backbone, Precision precision, const torch::Tensor& images,
                    const torch::Tensor& reference) {
  backbone.set_feature_precision(scalar_type(precision));
  torch::Tensor features = backbone.features(images);  // warm-up: the first pass plans and allocates
  int passes = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (passes < 2 || elapsed < kMeasuredSeconds) {
    features = backbone.features(images);
    ++passes;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  PrecisionTrial trial;
  trial.precision = precision;
  trial.images_per_second = static_cast<double>(images.size(0) * passes) / elapsed;
  if (reference.defined()) {
    trial.min_cosine = torch::cosine_similarity(features, reference, 1, 1e-12).min().item<double>();
  }
  return {trial, features};
}

std::string figure(double value, int digits) {
  std::ostringstream text;
  text.setf(std::ios::fixed);
  text.precision(digits);
  text << value;
  return text.str();
}

// What makes a decision hold: the same file on the same input size, device, processor, threads and
// LibTorch, decided by the same rule.
nlohmann::json decision_identity(const Backbone& backbone, int height, int width) {
  return {{"backbone_sha256", backbone.content_hash()},
          {"rule", {{"min_cosine", kMinBfloat16Cosine}, {"min_speedup", kMinBfloat16Speedup}}},
          {"input", {height, width}},
          {"device", backbone.device().str()},
          {"processor", processor_description()},
          {"threads", torch::get_num_threads()},
          {"libtorch", TORCH_VERSION}};
}

std::optional<PrecisionChoice> remembered_choice(const fs::path& file, const nlohmann::json& identity) {
  if (!fs::exists(file)) return std::nullopt;
  try {
    const nlohmann::json recorded = read_json_file(file, 1 << 16);
    if (recorded.at("identity") != identity) return std::nullopt;
    PrecisionChoice choice;
    choice.chosen = value_named(kPrecisions, recorded.at("chosen").get<std::string>()).value();
    choice.reason = recorded.at("reason").get<std::string>();
    for (const auto& entry : recorded.at("trials")) {
      PrecisionTrial trial;
      trial.precision = value_named(kPrecisions, entry.at("precision").get<std::string>()).value();
      trial.images_per_second = entry.at("images_per_second").get<double>();
      trial.min_cosine = entry.at("min_cosine").get<double>();
      choice.trials.push_back(trial);
    }
    choice.remembered = true;
    return choice;
  } catch (const std::exception& error) {  // a damaged file is measured again and replaced
    spdlog::warn("{}: unreadable precision decision, measuring again: {}", file.string(), error.what());
    return std::nullopt;
  }
}

// Keeps `choice` in `file` unless another process kept its own there first, whose choice is then
// this one's too: processes that measured at once (ranks, a tl-eval beside a tl-train) must not
// compute one run's features in two precisions. A damaged file is replaced.
PrecisionChoice published(const fs::path& file, const nlohmann::json& identity, const PrecisionChoice& choice) {
  nlohmann::json record = choice.to_json();
  record["identity"] = identity;
  record.erase("requested");
  record.erase("remembered");
  try {
    fs::create_directories(file.parent_path());
    const fs::path draft = fs::path(file).concat("." + std::to_string(::getpid()) + ".draft");
    write_file_atomically(draft, record.dump(2) + "\n", Durability::rename_only);
    const bool first = ::link(draft.c_str(), file.c_str()) == 0;
    const int link_error = errno;
    fs::remove(draft);
    if (first) return choice;
    if (link_error != EEXIST) throw Error(std::string("cannot link the decision into place: ") + strerror(link_error));
    if (auto earlier = remembered_choice(file, identity)) return *earlier;
    write_file_atomically(file, record.dump(2) + "\n", Durability::rename_only);
  } catch (const std::exception& error) {  // the choice stands; the next run measures again
    spdlog::warn("{}: cannot keep the precision decision: {}", file.string(), error.what());
  }
  return choice;
}

}  // namespace

nlohmann::json PrecisionChoice::to_json() const {
  nlohmann::json measured = nlohmann::json::array();
  for (const PrecisionTrial& trial : trials) {
    measured.push_back({{"precision", name_of(trial.precision)},
                        {"images_per_second", trial.images_per_second},
                        {"min_cosine", trial.min_cosine}});
  }
  return {{"requested", name_of(requested)},
          {"chosen", name_of(chosen)},
          {"reason", reason},
          {"trials", measured},
          {"remembered", remembered}};
}

PrecisionChoice decide_precision(const std::vector<PrecisionTrial>& trials) {
  const auto find = [&](Precision precision) {
    const auto found = std::find_if(trials.begin(), trials.end(),
                                    [&](const PrecisionTrial& trial) { return trial.precision == precision; });
    if (found == trials.end()) throw Error(std::string("decide_precision: no ") + name_of(precision) + " trial");
    return *found;
  };
  const PrecisionTrial full = find(Precision::float32);
  const PrecisionTrial reduced = find(Precision::bfloat16);
  PrecisionChoice choice;
  choice.trials = trials;
  const double speedup = full.images_per_second > 0 ? reduced.images_per_second / full.images_per_second : 0.0;
  const std::string rates = figure(reduced.images_per_second, 1) + " images/s in bfloat16, " +
                            figure(full.images_per_second, 1) + " in float32 (" + figure(speedup, 2) + "x)";
  const std::string agreement = "features' cosine similarity to float32 at least " + figure(reduced.min_cosine, 5);
  if (reduced.min_cosine < kMinBfloat16Cosine) {
    choice.chosen = Precision::float32;
    choice.reason = "bfloat16 features differ from float32's: " + agreement + ", below " +
                    figure(kMinBfloat16Cosine, 3) + "; " + rates;
  } else if (speedup < kMinBfloat16Speedup) {
    choice.chosen = Precision::float32;
    choice.reason = "bfloat16 is not faster enough here: " + rates + ", below " + figure(kMinBfloat16Speedup, 1) +
                    "x (no native BF16 on this processor?)";
  } else {
    choice.chosen = Precision::bfloat16;
    choice.reason = rates + ", " + agreement;
  }
  return choice;
}

PrecisionChoice choose_feature_precision(Backbone& backbone, Precision requested, int height, int width,
                                         const std::function<torch::Tensor()>& probe_images,
                                         const std::optional<fs::path>& decision_directory) {
  if (requested != Precision::automatic) {
    backbone.set_feature_precision(scalar_type(requested));
    PrecisionChoice choice;
    choice.requested = requested;
    choice.chosen = requested;
    choice.reason = "model.precision says so";
    return choice;
  }
  const nlohmann::json identity = decision_identity(backbone, height, width);
  std::optional<fs::path> file;
  if (decision_directory) file = *decision_directory / "precision" / (sha256_bytes(identity.dump()) + ".json");
  std::optional<PrecisionChoice> choice;
  if (file) choice = remembered_choice(*file, identity);
  if (!choice) {
    const torch::Tensor probe = probe_images();
    if (!probe.defined() || probe.size(0) == 0) {
      backbone.set_feature_precision(torch::kFloat);
      PrecisionChoice unmeasured;
      unmeasured.reason = "no image decoded to measure bfloat16 on";
      return unmeasured;
    }
    const TimedPass full = run_trial(backbone, Precision::float32, probe, torch::Tensor());
    const TimedPass reduced = run_trial(backbone, Precision::bfloat16, probe, full.features);
    choice = decide_precision({full.trial, reduced.trial});
    if (file) choice = published(*file, identity, *choice);
  }
  choice->requested = requested;
  backbone.set_feature_precision(scalar_type(choice->chosen));
  return *choice;
}

PrecisionChoice choose_feature_precision(const LoadedBackbone& loaded, Precision requested, const Dataset& dataset,
                                         const std::vector<size_t>& indices, const LoaderOptions& loader,
                                         const std::optional<fs::path>& decision_directory) {
  Backbone& backbone = *loaded.backbone;
  // The first kProbeImages of `indices` that decode, decoded only when there is something to measure.
  const auto probe_images = [&]() -> torch::Tensor {
    if (indices.empty()) return {};
    LoaderOptions options = loader;
    options.batch_size = kProbeImages;
    options.augmentation.reset();
    SkippedFiles skipped;  // the feature pass reports them
    const size_t count = std::min(indices.size(), static_cast<size_t>(kProbeImages) * 2);
    BatchLoader batches(dataset, std::vector<size_t>(indices.begin(), indices.begin() + static_cast<long>(count)),
                        loaded.preprocessing, options, skipped);
    std::vector<torch::Tensor> decoded;
    int64_t images = 0;
    while (const auto batch = batches.next()) {
      if (batch->images.defined() && batch->images.size(0) > 0) {
        decoded.push_back(batch->images);
        images += batch->images.size(0);
      }
      if (images >= kProbeImages) break;
    }
    if (images == 0) return {};
    return torch::cat(decoded).slice(0, 0, kProbeImages).to(backbone.device());
  };
  const PrecisionChoice choice = choose_feature_precision(backbone, requested, loaded.preprocessing.height,
                                                          loaded.preprocessing.width, probe_images, decision_directory);
  spdlog::info("{}: features in {}{}: {}", backbone.path().filename().string(), name_of(choice.chosen),
               choice.remembered ? " (as measured by an earlier run)" : "", choice.reason);
  return choice;
}

}  // namespace tl
