#pragma once
// Choosing where tensors live. The device is chosen once and passed down; nothing else in tl asks
// CUDA whether it exists.
#include <string>

#include <torch/types.h>

namespace tl {

// "auto" picks CUDA when available (logging the fallback to CPU otherwise); "cuda" or "cuda:N"
// without a usable GPU is a tl::Error, never a silent fallback.
torch::Device resolve_device(const std::string& name);

}  // namespace tl
