#pragma once
// Augmentation settings: the train-time random edits an image gets before it becomes a backbone
// input, in the order torchvision's usual recipe applies them: random resized crop (a region of
// random area and aspect ratio, resized to the input size; the centre crop otherwise), horizontal
// flip, then colour jitter (brightness, contrast, saturation, each a factor drawn from [1-x, 1+x]).
// The pixel work is tl/data/augmentation.hpp.
#include <array>
#include <string>

namespace tl {

struct Augmentation {
  bool random_resized_crop = false;
  std::array<double, 2> crop_scale{0.35, 1.0};             // area fraction of the image
  std::array<double, 2> crop_ratio{3.0 / 4.0, 4.0 / 3.0};  // width / height
  bool horizontal_flip = false;                            // with probability 1/2
  double brightness = 0, contrast = 0, saturation = 0;     // jitter strengths; 0 = off
  // Frozen backbone: how many augmented views of each training image are computed (and cached);
  // epoch e trains on view e mod views. 0 when augmentation is off.
  int views = 0;

  bool enabled() const;
  // Stable text of everything that shapes a view (not `views`), for cache namespaces and records.
  std::string describe() const;
};

}  // namespace tl
