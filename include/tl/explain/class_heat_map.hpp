#pragma once
// Class heat maps (Grad-CAM, Selvaraju et al. 2017): where in a photo a trained classifier found its
// evidence for a class. The activations A [C, h, w] of a backbone's last spatial block are weighted,
// channel by channel, by the mean over the grid of the class logit's gradient, summed over channels
// and kept where positive. With several backbones each map is resized to the finest grid and the
// maps are added, as each backbone adds its evidence to the same logit.
#include <functional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "tl/features/backbone.hpp"
#include "tl/run/heat_map.hpp"

namespace tl {

class TrainedClassifier;

// One backbone's part: its input images [N, 3, H, W] on its device and the block whose activations
// are weighted.
struct BlockInput {
  Backbone* backbone = nullptr;
  torch::Tensor images;
  std::string block;
};

// Grad-CAM of each class for every image: [classes.size(), N, h, w] on the CPU, not scaled. `head`
// maps the backbones' concatenated features [N, D] to logits [N, K]. One forward pass serves every
// class.
torch::Tensor grad_cam(const std::vector<BlockInput>& inputs,
                       const std::function<torch::Tensor(const torch::Tensor&)>& head, const std::vector<int>& classes);

// A trained run's class heat maps, read at the last spatial block of each of its backbones.
class ClassHeatMaps {
 public:
  // tl::Error when a backbone's blocks cannot be read (its forward is not the chain of its modules),
  // it has no spatial block, or the backbones need other pixels than the first one's.
  explicit ClassHeatMaps(TrainedClassifier& classifier);

  // One image [1, 3, H, W] in the classifier's preprocessing: a map per class, scaled so that its
  // strongest cell is 1 (all 0 when nothing in the photo speaks for the class). With flips, each map
  // is the mean of the image's and its mirror image's, mirrored back, as eval.tta flip scores.
  std::vector<HeatMap> maps(const torch::Tensor& image, const std::vector<int>& classes, bool flips);

  // The block read in each backbone, e.g. "features.18".
  const std::vector<std::string>& blocks() const { return blocks_; }

 private:
  TrainedClassifier& classifier_;
  std::vector<std::string> blocks_;
};

}  // namespace tl
