#pragma once
// Preprocessing: how a decoded RGB image becomes a backbone's input. Resize so the shorter side is
// `resize_shorter`, centre-crop to height x width, scale to [0,1], normalise with mean/std per
// channel, and write planar CHW floats in the channel order the network expects. Pixel order is
// explicit on both sides: the input is always RGB, the output is `channel_order`.
#include <array>
#include <string>

#include <opencv2/core/mat.hpp>

namespace tl {

// How the resize step interpolates. The choice must match how the backbone was trained:
//   linear    OpenCV INTER_LINEAR, no antialiasing (TF-slim / tf.image.resize_bilinear; ../shared/models)
//   area      OpenCV INTER_AREA, box-filter antialiasing when shrinking
//   cubic     OpenCV INTER_CUBIC, no antialiasing
//   antialias Pillow's BILINEAR (triangle filter widened by the scale when shrinking), which is what
//             torchvision's PIL transforms do; use it for torchvision-trained backbones
enum class Interpolation { linear, area, cubic, antialias };

Interpolation parse_interpolation(const std::string& name);  // throws tl::Error on unknown names
std::string interpolation_name(Interpolation interpolation);

enum class ChannelOrder { rgb, bgr };

struct Preprocessing {
  int height = 224;
  int width = 224;
  int resize_shorter = 256;  // shorter side before the centre crop
  Interpolation interpolation = Interpolation::linear;
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};  // in the input's RGB order
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
  ChannelOrder channel_order = ChannelOrder::rgb;
  bool reduced_decode = true;  // let large JPEGs decode at 1/2, 1/4 or 1/8 scale (image_decoder.hpp)

  // What decode_image_file may reduce to: the shorter side the resize needs, or 0 (full size).
  int decode_shorter_side() const;

  // Stable text form, e.g. for cache keys and run records.
  std::string describe() const;
};

// Resizes to exactly `size` with the preprocessing's interpolation.
cv::Mat resize_to(const cv::Mat& rgb, const cv::Size& size, Interpolation interpolation);

// Resizes the shorter side to resize_shorter (more if needed to cover the crop), keeping the aspect.
cv::Mat resize_shorter_side(const cv::Mat& rgb, const Preprocessing& preprocessing);

// The region an evaluation-time centre crop takes (augmentation.hpp chooses others at train time).
cv::Rect centre_crop(const cv::Size& image, const Preprocessing& preprocessing);

// Writes 3 x height x width floats to `chw` from an RGB image of exactly height x width.
void write_normalized_chw(const cv::Mat& rgb, const Preprocessing& preprocessing, float* chw);

// The whole evaluation transform: resize, centre crop, normalise into `chw`.
void preprocess_for_eval(const cv::Mat& rgb, const Preprocessing& preprocessing, float* chw);

}  // namespace tl
