// Device choice: "cuda" without a usable GPU is a clear error, never a silent fallback; "auto" falls
// back to the CPU. (Debian's LibTorch is CPU-only, so CI always sees the no-GPU side.)
#include "tl/features/device.hpp"

#include <gtest/gtest.h>
#include <torch/cuda.h>

#include "tl/base/error.hpp"

namespace {

TEST(Device, CudaWithoutAGpuIsAClearError) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "this LibTorch sees a CUDA device";
  EXPECT_EQ(tl::resolve_device("auto"), torch::Device(torch::kCPU));
  EXPECT_EQ(tl::resolve_device("cpu"), torch::Device(torch::kCPU));
  for (const char* name : {"cuda", "cuda:1"}) {
    try {
      tl::resolve_device(name);
      FAIL() << name << " resolved without CUDA";
    } catch (const tl::Error& error) {
      EXPECT_NE(std::string(error.what()).find("no usable CUDA device"), std::string::npos) << error.what();
    }
  }
}

TEST(Device, UnknownNamesAreRejected) { EXPECT_THROW(tl::resolve_device("gpu"), tl::Error); }

}  // namespace
