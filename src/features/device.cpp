#include "tl/features/device.hpp"

#include <spdlog/spdlog.h>
#include <torch/cuda.h>

#include "tl/base/error.hpp"

namespace tl {

torch::Device resolve_device(const std::string& name) {
  const bool cuda_available = torch::cuda::is_available();
  if (name == "cpu") return torch::kCPU;
  if (name == "auto") {
    if (cuda_available) {
      spdlog::info("device auto: using CUDA ({} GPU(s))", torch::cuda::device_count());
      return torch::Device(torch::kCUDA, 0);
    }
    // The normal case for a CPU build: not worth a line on every run.
    spdlog::debug("device auto: no CUDA device available, using the CPU");
    return torch::kCPU;
  }
  if (name.rfind("cuda", 0) != 0) throw Error("device: expected one of auto|cpu|cuda|cuda:N, got \"" + name + "\"");
  if (!cuda_available) {
    throw Error("device: \"" + name +
                "\" requested but this LibTorch build has no usable CUDA device "
                "(Debian's libtorch is CPU-only; use device: cpu or auto, or build against a CUDA LibTorch)");
  }
  const int index = name.size() > 5 ? std::stoi(name.substr(5)) : 0;
  if (index >= static_cast<int>(torch::cuda::device_count())) {
    throw Error("device: \"" + name + "\" but only " + std::to_string(torch::cuda::device_count()) +
                " CUDA device(s) are present");
  }
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

}  // namespace tl
