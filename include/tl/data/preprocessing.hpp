#pragma once
// Preprocessing applied to pixels: how a decoded RGB image becomes a backbone's input, following the
// settings in tl/config/preprocessing_options.hpp.
#include <opencv2/core/mat.hpp>

#include "tl/config/preprocessing_options.hpp"

namespace tl {

// Resizes to exactly `size` with the preprocessing's interpolation.
cv::Mat resize_to(const cv::Mat& rgb, const cv::Size& size, Interpolation interpolation);

// Resizes the shorter side to resize_shorter (more if needed to cover the crop), keeping the aspect.
cv::Mat resize_shorter_side(const cv::Mat& rgb, const Preprocessing& preprocessing);

// The region an evaluation-time centre crop takes (augmentation.hpp chooses others at train time).
cv::Rect centre_crop(const cv::Size& image, const Preprocessing& preprocessing);

// What the model sees of an image at evaluation: the centre crop of the resized image, exactly
// height x width RGB (mirrored with preprocessing.mirrored).
cv::Mat eval_view(const cv::Mat& rgb, const Preprocessing& preprocessing);
// Where that crop lies in an image of `image` size, as fractions of its width and height, so that
// the same region can be cut from a copy of the photo at any resolution (a report's thumbnail).
cv::Rect2d eval_view_region(const cv::Size& image, const Preprocessing& preprocessing);
// Writes 3 x height x width floats to `chw` from an RGB image of exactly height x width.
void write_normalized_chw(const cv::Mat& rgb, const Preprocessing& preprocessing, float* chw);

// The whole evaluation transform: resize, centre crop (mirrored with preprocessing.mirrored),
// normalise into `chw`.
void preprocess_for_eval(const cv::Mat& rgb, const Preprocessing& preprocessing, float* chw);

}  // namespace tl
