#pragma once
// Dreaming a class: gradient descent on an image's pixels until the network calls it the target
// class. Cross-entropy alone finds high-frequency noise the network happens to like; adding total
// variation (the sum of absolute differences between neighbouring pixels) asks for a smooth image,
// which is where a recognisable "ideal cat" comes from.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "tl/synthesis/dream_options.hpp"
#include "tl/synthesis/pixel_classifier.hpp"

namespace tl {

// Sum over channels and neighbouring pixel pairs (down and right) of |difference|, in [0,1] units.
torch::Tensor total_variation(const torch::Tensor& pixels);

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

// Starts from `start` (pixels [1,3,H,W] in [0,1]), or else from seeded noise around grey of the
// options' size. after_step(step, pixels) is called after every step (for progress and snapshots).
DreamResult dream(PixelClassifier& classifier, const DreamOptions& options, const std::optional<torch::Tensor>& start = {},
                  const std::function<void(int step, const torch::Tensor& pixels)>& after_step = {});

}  // namespace tl
