#include "tl/explain/photo_view.hpp"

#include "tl/base/error.hpp"
#include "tl/base/utf8_text.hpp"
#include "tl/data/image_decoder.hpp"
#include "tl/data/preprocessing.hpp"

namespace tl {

PhotoView view_photo(const std::filesystem::path& image, const Preprocessing& preprocessing, torch::Device device) {
  const DecodedImage decoded = decode_image_file(image, preprocessing.decode_shorter_side());
  if (!decoded.error.empty()) throw Error(path_text(image) + ": " + decoded.error);
  PhotoView view;
  view.rgb = eval_view(decoded.rgb, preprocessing).clone();
  const cv::Rect2d region = eval_view_region(decoded.rgb.size(), preprocessing);
  view.region = {region.x, region.y, region.width, region.height};
  torch::Tensor input = torch::empty({1, 3, preprocessing.height, preprocessing.width});
  write_normalized_chw(view.rgb, preprocessing, input.data_ptr<float>());
  view.input = input.to(device);
  return view;
}

}  // namespace tl
