#pragma once
// A photo as a model sees it at evaluation, kept in two forms: the pixels of the centre crop to draw
// on, and the normalised input to explain, with where the crop lies in the photo.
#include <array>
#include <filesystem>

#include <opencv2/core/mat.hpp>
#include <torch/types.h>

#include "tl/config/preprocessing_options.hpp"

namespace tl {

struct PhotoView {
  cv::Mat rgb;                     // height x width, CV_8UC3
  torch::Tensor input;             // [1, 3, height, width], normalised as the preprocessing says
  std::array<double, 4> region{};  // the crop in the photo: left, top, width, height as fractions
};

// Decodes the file as training does (tl::Error naming it when it cannot) and takes the view.
PhotoView view_photo(const std::filesystem::path& image, const Preprocessing& preprocessing, torch::Device device);

}  // namespace tl
