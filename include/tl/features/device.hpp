#pragma once
// Choosing where tensors live and how many CPU threads LibTorch may use. The device is chosen once
// and passed down; nothing else in tl asks CUDA whether it exists.
#include <string>

#include <torch/types.h>

namespace tl {

// "auto" picks CUDA when available (logging the fallback to CPU otherwise); "cuda" or "cuda:N"
// without a usable GPU is a tl::Error, never a silent fallback.
torch::Device resolve_device(const std::string& name);

// Sets LibTorch's intra-op threads (Debian's build defaults to one; 0 means all cores) and keeps
// glibc from returning every large activation buffer to the kernel after each forward pass: with
// the default thresholds each batch re-faults ~100 MB of pages, which measured here as more system
// time than compute (19 -> 46 images/s for MobileNetV2 on 2 cores). Returns the thread count set.
int configure_cpu_runtime(int requested_threads);

}  // namespace tl
