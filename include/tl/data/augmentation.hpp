#pragma once
// Augmentation: the train-time random edits an image gets before it becomes a backbone input, in
// the order torchvision's usual recipe applies them: random resized crop (a region of random area
// and aspect ratio, resized to the input size; the centre crop otherwise), horizontal flip, then
// colour jitter (brightness, contrast, saturation, each a factor drawn from [1-x, 1+x]).
//
// Every random choice comes from a 64-bit key, so the same image with the same key is always the
// same view, whichever thread decodes it and however often: that is what lets augmented views be
// cached on disk and a resumed run see exactly the views it would have seen.
#include <array>
#include <cstdint>
#include <string>

#include <opencv2/core/mat.hpp>

#include "tl/data/preprocessing.hpp"

namespace tl {

struct Augmentation {
  bool random_resized_crop = false;
  std::array<double, 2> crop_scale{0.35, 1.0};           // area fraction of the image
  std::array<double, 2> crop_ratio{3.0 / 4.0, 4.0 / 3.0};  // width / height
  bool horizontal_flip = false;                          // with probability 1/2
  double brightness = 0, contrast = 0, saturation = 0;   // jitter strengths; 0 = off
  // Frozen backbone: how many augmented views of each training image are computed (and cached);
  // epoch e trains on view e mod views. 0 when augmentation is off.
  int views = 0;

  bool enabled() const;
  // Stable text of everything that shapes a view (not `views`), for cache namespaces and records.
  std::string describe() const;
};

// Mixes numbers into a key (SplitMix64 finaliser), e.g. seed, view and image identity.
uint64_t mix_key(uint64_t key, uint64_t value);
// The first 16 hex digits of a content hash as a number, to key an image by its bytes.
uint64_t key_of_hash(const std::string& hex_sha256);

// The augmented view of `rgb` for `key`, normalised into `chw` (3 x height x width floats).
void preprocess_augmented(const cv::Mat& rgb, const Preprocessing& preprocessing, const Augmentation& augmentation,
                          uint64_t key, float* chw);

// The crop region preprocess_augmented takes from an image of `size` (torchvision's
// RandomResizedCrop: ten tries at a random area and log-uniform ratio, else the whole image
// clamped to the ratio range, centred).
cv::Rect random_resized_crop(const cv::Size& size, const Augmentation& augmentation, uint64_t key);

}  // namespace tl
