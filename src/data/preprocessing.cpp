#include "tl/data/preprocessing.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace tl {
namespace {

// Pillow's ImagingResample for 8-bit images with the BILINEAR (triangle) filter: the filter support
// widens with the downscale factor, which is what antialiases. Fixed-point weights and 8-bit
// rounding between the horizontal and vertical passes are reproduced so results match Pillow.
constexpr int kPillowPrecisionBits = 32 - 8 - 2;

struct ResampleWeights {
  std::vector<int> first;                   // first source index per output index
  std::vector<int> count;                   // number of source pixels per output index
  std::vector<std::vector<int32_t>> fixed;  // fixed-point weights per output index
};

ResampleWeights pillow_bilinear_weights(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = std::max(scale, 1.0);
  const double support = 1.0 * filter_scale;
  ResampleWeights weights;
  for (int out = 0; out < out_size; ++out) {
    const double centre = (out + 0.5) * scale;
    // PIL's own arithmetic (truncation after + 0.5), kept so that antialias matches torchvision's pixels.
    const int first = std::max(static_cast<int>(centre - support + 0.5), 0);  // NOLINT(bugprone-incorrect-roundings)
    const int last =
        std::min(static_cast<int>(centre + support + 0.5), in_size);  // NOLINT(bugprone-incorrect-roundings)
    std::vector<double> raw;
    double total = 0.0;
    for (int x = first; x < last; ++x) {
      const double distance = std::abs((x - centre + 0.5) / filter_scale);
      const double w = distance < 1.0 ? 1.0 - distance : 0.0;
      raw.push_back(w);
      total += w;
    }
    std::vector<int32_t> fixed;
    for (double w : raw) {
      const double normalised = total != 0.0 ? w / total : 0.0;
      const double scaled = normalised * (1 << kPillowPrecisionBits);
      fixed.push_back(static_cast<int32_t>(scaled < 0 ? scaled - 0.5 : scaled + 0.5));
    }
    weights.first.push_back(first);
    weights.count.push_back(last - first);
    weights.fixed.push_back(std::move(fixed));
  }
  return weights;
}

uint8_t clip_pixel(int64_t accumulator) {
  const int64_t value = accumulator >> kPillowPrecisionBits;
  return static_cast<uint8_t>(std::clamp<int64_t>(value, 0, 255));
}

cv::Mat pillow_resample_horizontal(const cv::Mat& input, int out_width) {
  const ResampleWeights weights = pillow_bilinear_weights(input.cols, out_width);
  cv::Mat output(input.rows, out_width, CV_8UC3);
  for (int y = 0; y < input.rows; ++y) {
    const uint8_t* source = input.ptr<uint8_t>(y);
    uint8_t* target = output.ptr<uint8_t>(y);
    for (int x = 0; x < out_width; ++x) {
      for (int c = 0; c < 3; ++c) {
        int64_t accumulator = 1 << (kPillowPrecisionBits - 1);
        for (int k = 0; k < weights.count[x]; ++k) {
          accumulator += static_cast<int64_t>(source[(weights.first[x] + k) * 3 + c]) * weights.fixed[x][k];
        }
        target[x * 3 + c] = clip_pixel(accumulator);
      }
    }
  }
  return output;
}

cv::Mat pillow_resample_vertical(const cv::Mat& input, int out_height) {
  const ResampleWeights weights = pillow_bilinear_weights(input.rows, out_height);
  cv::Mat output(out_height, input.cols, CV_8UC3);
  const int row_values = input.cols * 3;
  for (int y = 0; y < out_height; ++y) {
    uint8_t* target = output.ptr<uint8_t>(y);
    for (int i = 0; i < row_values; ++i) {
      int64_t accumulator = 1 << (kPillowPrecisionBits - 1);
      for (int k = 0; k < weights.count[y]; ++k) {
        accumulator += static_cast<int64_t>(input.ptr<uint8_t>(weights.first[y] + k)[i]) * weights.fixed[y][k];
      }
      target[i] = clip_pixel(accumulator);
    }
  }
  return output;
}

cv::Mat pillow_bilinear_resize(const cv::Mat& rgb, cv::Size size) {
  cv::Mat result = rgb;
  if (size.width != result.cols) result = pillow_resample_horizontal(result, size.width);
  if (size.height != result.rows) result = pillow_resample_vertical(result, size.height);
  return result;
}

cv::Size shorter_side_resized(const cv::Size& image, const Preprocessing& preprocessing) {
  const bool portrait = image.height > image.width;
  const int shorter = std::min(image.height, image.width);
  const int longer = std::max(image.height, image.width);
  // The shorter side must also cover the crop's matching side when the crop is not square.
  const int wanted_shorter =
      std::max(preprocessing.resize_shorter, portrait ? preprocessing.width : preprocessing.height);
  // Truncating the longer side is torchvision's rule (transforms.Resize(int)); kept for parity.
  int new_longer = static_cast<int>(static_cast<double>(wanted_shorter) * longer / shorter);
  const int crop_longer = portrait ? preprocessing.height : preprocessing.width;
  int new_shorter = wanted_shorter;
  if (new_longer < crop_longer) {
    new_shorter = static_cast<int>(std::ceil(static_cast<double>(crop_longer) * shorter / longer));
    new_longer = crop_longer;
  }
  return portrait ? cv::Size(new_shorter, new_longer) : cv::Size(new_longer, new_shorter);
}

}  // namespace

cv::Mat resize_to(const cv::Mat& rgb, const cv::Size& size, Interpolation interpolation) {
  if (size == rgb.size()) return rgb;
  if (interpolation == Interpolation::antialias) return pillow_bilinear_resize(rgb, size);
  const int flag = interpolation == Interpolation::area    ? cv::INTER_AREA
                   : interpolation == Interpolation::cubic ? cv::INTER_CUBIC
                                                           : cv::INTER_LINEAR;
  cv::Mat resized;
  cv::resize(rgb, resized, size, 0, 0, flag);
  return resized;
}

cv::Mat resize_shorter_side(const cv::Mat& rgb, const Preprocessing& preprocessing) {
  return resize_to(rgb, shorter_side_resized(rgb.size(), preprocessing), preprocessing.interpolation);
}

cv::Rect centre_crop(const cv::Size& image, const Preprocessing& preprocessing) {
  // Round half to even, as torchvision's CenterCrop (Python's round) does.
  const int top = static_cast<int>(std::nearbyint((image.height - preprocessing.height) / 2.0));
  const int left = static_cast<int>(std::nearbyint((image.width - preprocessing.width) / 2.0));
  return {left, top, preprocessing.width, preprocessing.height};
}

void write_normalized_chw(const cv::Mat& rgb, const Preprocessing& preprocessing, float* chw) {
  const int plane = preprocessing.height * preprocessing.width;
  std::array<float, 3> scale{}, offset{};
  std::array<int, 3> plane_of{};
  for (int c = 0; c < 3; ++c) {
    scale[c] = 1.0f / (255.0f * preprocessing.std[c]);
    offset[c] = -preprocessing.mean[c] / preprocessing.std[c];
    plane_of[c] = preprocessing.channel_order == ChannelOrder::rgb ? c : 2 - c;
  }
  for (int y = 0; y < preprocessing.height; ++y) {
    const uint8_t* row = rgb.ptr<uint8_t>(y);
    for (int x = 0; x < preprocessing.width; ++x) {
      for (int c = 0; c < 3; ++c) {
        chw[plane_of[c] * plane + y * preprocessing.width + x] =
            static_cast<float>(row[x * 3 + c]) * scale[c] + offset[c];
      }
    }
  }
}

cv::Mat eval_view(const cv::Mat& rgb, const Preprocessing& preprocessing) {
  const cv::Mat resized = resize_shorter_side(rgb, preprocessing);
  cv::Mat crop = resized(centre_crop(resized.size(), preprocessing));
  if (!preprocessing.mirrored) return crop;
  cv::Mat mirror;
  cv::flip(crop, mirror, 1);
  return mirror;
}

cv::Rect2d eval_view_region(const cv::Size& image, const Preprocessing& preprocessing) {
  const cv::Size resized = shorter_side_resized(image, preprocessing);
  const cv::Rect crop = centre_crop(resized, preprocessing);
  return {static_cast<double>(crop.x) / resized.width, static_cast<double>(crop.y) / resized.height,
          static_cast<double>(crop.width) / resized.width, static_cast<double>(crop.height) / resized.height};
}

void preprocess_for_eval(const cv::Mat& rgb, const Preprocessing& preprocessing, float* chw) {
  write_normalized_chw(eval_view(rgb, preprocessing), preprocessing, chw);
}

}  // namespace tl
