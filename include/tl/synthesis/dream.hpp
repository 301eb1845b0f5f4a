#pragma once
// Dreaming a class: gradient descent on an image's pixels until the network calls it the target
// class. Cross-entropy alone finds high-frequency noise the network happens to like; adding total
// variation (the sum of absolute differences between neighbouring pixels) asks for a smooth image,
// which is where a recognisable "ideal cat" comes from.
#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "tl/synthesis/pixel_classifier.hpp"

namespace tl {

// Sum over channels and neighbouring pixel pairs (down and right) of |difference|, in [0,1] units.
torch::Tensor total_variation(const torch::Tensor& pixels);

enum class DreamOptimizer { adam, sgd };
inline constexpr std::array kDreamOptimizers{DreamOptimizer::adam, DreamOptimizer::sgd};
const char* name_of(DreamOptimizer optimizer);

struct DreamOptions {
  int target = 0;
  int steps = 300;
  DreamOptimizer optimizer = DreamOptimizer::adam;  // sgd: with momentum 0.9
  double lr = 0.01;
  double ce_weight = 10.0;
  double tv_weight = 0.005;
  int height = 224, width = 224;
  std::optional<torch::Tensor> start;  // pixels to start from; default seeded noise around grey
  uint64_t seed = 0;
  int log_every = 10;
};

struct DreamLogLine {
  int step = 0;
  double target_probability = 0, cross_entropy = 0, total_variation = 0, loss = 0;
};

struct DreamResult {
  torch::Tensor pixels;           // [1,3,H,W] in [0,1], quantised to 8 bits as the PNG will hold it
  std::vector<DreamLogLine> log;  // every log_every steps, and the last step
  double target_probability = 0;  // of the quantised image
  double total_variation = 0;     // of the quantised image
};

// after_step(step, pixels) is called after every step (for progress and snapshots).
DreamResult dream(PixelClassifier& classifier, const DreamOptions& options,
                  const std::function<void(int step, const torch::Tensor& pixels)>& after_step = {});

}  // namespace tl
