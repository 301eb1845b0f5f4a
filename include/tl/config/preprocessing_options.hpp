#pragma once
// Preprocessing: the settings that turn a decoded RGB image into a backbone's input. Resize so the
// shorter side is `resize_shorter`, centre-crop to height x width, scale to [0,1], normalise with
// mean/std per channel, and write planar CHW floats in the channel order the network expects. Pixel
// order is explicit on both sides: the input is always RGB, the output is `channel_order`.
// The pixel work itself is tl/data/preprocessing.hpp; this is only the vocabulary, free of OpenCV.
#include <array>
#include <string>

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

// The largest input side a backbone may ask for (its metadata's input_size) or a config may set
// (data.image_size), and the largest side an image is resized to before the crop. A batch of 16
// inputs of 1024 x 1024 is 200 MB before the backbone's activations; 8000 x 8000 exhausted 23 GB.
inline constexpr int kMaxInputSide = 1024;
inline constexpr int kMaxResizeShorter = 2048;

struct Preprocessing {
  int height = 224;
  int width = 224;
  int resize_shorter = 256;  // shorter side before the centre crop
  Interpolation interpolation = Interpolation::linear;
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};  // in the input's RGB order
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
  ChannelOrder channel_order = ChannelOrder::rgb;
  bool reduced_decode = true;  // let large JPEGs decode at 1/2, 1/4 or 1/8 scale (image_decoder.hpp)
  bool mirrored = false;       // the evaluation crop mirrored left-right (test-time flips)

  // What decode_image_file may reduce to: the shorter side the resize needs, or 0 (full size).
  int decode_shorter_side() const;

  // Stable text form, e.g. for cache keys and run records.
  std::string describe() const;
};

}  // namespace tl
