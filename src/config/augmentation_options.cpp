#include "tl/config/augmentation_options.hpp"

#include <sstream>

namespace tl {

bool Augmentation::enabled() const {
  return random_resized_crop || horizontal_flip || brightness > 0 || contrast > 0 || saturation > 0;
}

std::string Augmentation::describe() const {
  if (!enabled()) return "augmentation=off";
  std::ostringstream text;
  text.precision(9);
  text << "augmentation=v2";  // bump when the meaning of a key changes (v2: streams of tl/base/random.hpp)
  if (random_resized_crop) {
    text << " crop_scale=" << crop_scale[0] << "," << crop_scale[1] << " crop_ratio=" << crop_ratio[0] << ","
         << crop_ratio[1];
  }
  text << " flip=" << (horizontal_flip ? "on" : "off") << " brightness=" << brightness << " contrast=" << contrast
       << " saturation=" << saturation;
  return text.str();
}

}  // namespace tl
