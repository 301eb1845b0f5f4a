#include "tl/features/runtime_versions.hpp"

#include <opencv2/core/utility.hpp>
#include <torch/cuda.h>
#include <torch/version.h>

namespace tl {

std::string runtime_versions() {
  const bool cuda = torch::cuda::is_available();
  return std::string("LibTorch ") + TORCH_VERSION + ", OpenCV " + cv::getVersionString() + ", CUDA: " +
         (cuda ? "yes (" + std::to_string(torch::cuda::device_count()) + " device(s))" : std::string("no"));
}

}  // namespace tl
