#include "tl/data/augmentation.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "tl/base/random.hpp"
#include "tl/data/preprocessing.hpp"

namespace tl {
namespace {

// Grey value per pixel with the ITU-R 601 weights torchvision's rgb_to_grayscale uses.
cv::Mat grey_of(const cv::Mat& rgb_float) {
  cv::Mat grey;
  cv::transform(rgb_float, grey, cv::Matx13f(0.299f, 0.587f, 0.114f));
  return grey;
}

// factor * image + (1 - factor) * other, clamped to the 8-bit range, like torchvision's _blend.
void blend_towards(cv::Mat& image, const cv::Mat& other, double factor) {
  cv::addWeighted(image, factor, other, 1.0 - factor, 0.0, image);
  cv::min(image, 255.0, image);
  cv::max(image, 0.0, image);
}

cv::Mat jitter_colours(const cv::Mat& rgb, const Augmentation& augmentation, uint64_t key) {
  KeyedRandom random(stream_key(key, RandomStream::jitter));
  const auto factor = [&](double strength) { return random.uniform(std::max(0.0, 1.0 - strength), 1.0 + strength); };
  const double brightness = factor(augmentation.brightness);
  const double contrast = factor(augmentation.contrast);
  const double saturation = factor(augmentation.saturation);
  cv::Mat image;
  rgb.convertTo(image, CV_32FC3);
  if (augmentation.brightness > 0) blend_towards(image, cv::Mat::zeros(image.size(), image.type()), brightness);
  if (augmentation.contrast > 0) {
    const double mean_grey = cv::mean(grey_of(image))[0];
    blend_towards(image, cv::Mat(image.size(), image.type(), cv::Scalar::all(mean_grey)), contrast);
  }
  if (augmentation.saturation > 0) {
    cv::Mat grey3;
    cv::cvtColor(grey_of(image), grey3, cv::COLOR_GRAY2RGB);
    blend_towards(image, grey3, saturation);
  }
  cv::Mat result;
  image.convertTo(result, CV_8UC3);  // rounds and saturates
  return result;
}

}  // namespace

cv::Rect random_resized_crop(const cv::Size& size, const Augmentation& augmentation, uint64_t key) {
  KeyedRandom random(stream_key(key, RandomStream::crop));
  const double area = static_cast<double>(size.area());
  const double log_low = std::log(augmentation.crop_ratio[0]), log_high = std::log(augmentation.crop_ratio[1]);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target_area = area * random.uniform(augmentation.crop_scale[0], augmentation.crop_scale[1]);
    const double ratio = std::exp(random.uniform(log_low, log_high));
    const int width = static_cast<int>(std::lround(std::sqrt(target_area * ratio)));
    const int height = static_cast<int>(std::lround(std::sqrt(target_area / ratio)));
    if (width > 0 && width <= size.width && height > 0 && height <= size.height) {
      const int top = random.integer(0, size.height - height);
      const int left = random.integer(0, size.width - width);
      return {left, top, width, height};
    }
  }
  const double image_ratio = static_cast<double>(size.width) / size.height;
  int width = size.width, height = size.height;
  if (image_ratio < augmentation.crop_ratio[0]) {
    height = static_cast<int>(std::lround(width / augmentation.crop_ratio[0]));
  } else if (image_ratio > augmentation.crop_ratio[1]) {
    width = static_cast<int>(std::lround(height * augmentation.crop_ratio[1]));
  }
  return {(size.width - width) / 2, (size.height - height) / 2, width, height};
}

void preprocess_augmented(const cv::Mat& rgb, const Preprocessing& preprocessing, const Augmentation& augmentation,
                          uint64_t key, float* chw) {
  const cv::Size input(preprocessing.width, preprocessing.height);
  cv::Mat view;
  if (augmentation.random_resized_crop) {
    view = resize_to(rgb(random_resized_crop(rgb.size(), augmentation, key)), input, preprocessing.interpolation);
  } else {
    const cv::Mat resized = resize_shorter_side(rgb, preprocessing);
    view = resized(centre_crop(resized.size(), preprocessing));
  }
  if (augmentation.horizontal_flip && KeyedRandom(stream_key(key, RandomStream::flip)).below(2) == 1) {
    cv::Mat flipped;
    cv::flip(view, flipped, 1);
    view = flipped;
  }
  if (augmentation.brightness > 0 || augmentation.contrast > 0 || augmentation.saturation > 0) {
    view = jitter_colours(view, augmentation, key);
  }
  // write_normalized_chw reads rows through ptr(), so a crop view (non-contiguous) is fine.
  write_normalized_chw(view, preprocessing, chw);
}

}  // namespace tl
