#pragma once
// Which precision a frozen backbone's feature pass runs in, chosen on the machine that runs it.
// bfloat16 pays where the CPU has native BF16 (AVX512_BF16, AMX) and costs where oneDNN emulates it,
// and its features are float32's rounded: so `auto` measures both on real images the first time a
// backbone runs on a machine, keeps bfloat16 only when it is clearly faster and its features agree
// with float32's, and remembers the decision (and the figures behind it) for the next run.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "tl/config/model_options.hpp"
#include "tl/data/dataset.hpp"
#include "tl/features/backbone.hpp"
#include "tl/features/batch_loader.hpp"

namespace tl {

// One precision's feature pass over the probe images.
struct PrecisionTrial {
  Precision precision = Precision::float32;
  double images_per_second = 0;
  double min_cosine = 1;  // lowest cosine similarity of an image's features with its float32 ones
};

struct PrecisionChoice {
  Precision requested = Precision::automatic;
  Precision chosen = Precision::float32;
  std::string reason;                  // for the log and summary.json
  std::vector<PrecisionTrial> trials;  // what the choice was made on; empty when nothing was measured
  bool remembered = false;             // read from an earlier run's decision file

  nlohmann::json to_json() const;
};

// The automatic rule. bench/feature_precision.py measured MobileNetV2's bfloat16 features against
// float32's on 200 photos of each shared data set: lowest cosine similarity 0.9768 (Cats-vs-Dogs) and
// 0.9888 (Oxford pets), means 0.9954 and 0.9968, with the probe's validation and test top-1 within
// two images of float32's on every data set. The bound sits below that and far above what a backbone
// broken by rounding gives; the speed bound keeps a pass that is only noise faster in float32,
// whose features are exact.
inline constexpr double kMinBfloat16Cosine = 0.95;
inline constexpr double kMinBfloat16Speedup = 1.1;
// `trials` holds float32's and bfloat16's.
PrecisionChoice decide_precision(const std::vector<PrecisionTrial>& trials);

// Sets `backbone`'s feature precision: the requested one, or for Precision::automatic the
// decide_precision of trials run on `probe_images()` (real images in the backbone's preprocessing,
// [N, 3, height, width] on its device; undefined or empty when none decode). With
// `decision_directory`, an automatic choice is read from and written to a small file there, keyed by
// the backbone file, input size, device, processor, thread count and LibTorch version, so each
// machine measures once: `probe_images` is called only when no decision is remembered.
PrecisionChoice choose_feature_precision(Backbone& backbone, Precision requested, int height, int width,
                                         const std::function<torch::Tensor()>& probe_images,
                                         const std::optional<std::filesystem::path>& decision_directory);

// The same, the probe images being the first kProbeImages of `indices` that decode (fewer when
// there are fewer), in the backbone's `preprocessing`; logs the choice and why.
inline constexpr int kProbeImages = 16;
PrecisionChoice choose_feature_precision(const LoadedBackbone& loaded, Precision requested, const Dataset& dataset,
                                         const std::vector<size_t>& indices, const LoaderOptions& loader,
                                         const std::optional<std::filesystem::path>& decision_directory);

}  // namespace tl
