#pragma once
// Augmentation applied to pixels: the train-time edits tl/config/augmentation_options.hpp describes.
//
// Every random choice comes from a 64-bit key, so the same image with the same key is always the
// same view, whichever thread decodes it and however often: that is what lets augmented views be
// cached on disk and a resumed run see exactly the views it would have seen.
#include <cstdint>

#include <opencv2/core/mat.hpp>

#include "tl/config/augmentation_options.hpp"
#include "tl/config/preprocessing_options.hpp"

namespace tl {

// The augmented view of `rgb` for `key`, normalised into `chw` (3 x height x width floats).
void preprocess_augmented(const cv::Mat& rgb, const Preprocessing& preprocessing, const Augmentation& augmentation,
                          uint64_t key, float* chw);

// The crop region preprocess_augmented takes from an image of `size` (torchvision's
// RandomResizedCrop: ten tries at a random area and log-uniform ratio, else the whole image
// clamped to the ratio range, centred).
cv::Rect random_resized_crop(const cv::Size& size, const Augmentation& augmentation, uint64_t key);

}  // namespace tl
