#pragma once
// The libraries this tl runs on, for --version: LibTorch's and OpenCV's versions and whether CUDA
// is usable here (Debian's LibTorch is CPU-only; a CUDA build of LibTorch says yes on a GPU machine).
#include <string>

namespace tl {

// e.g. "LibTorch 1.13.0, OpenCV 4.6.0, CUDA: no"
std::string runtime_versions();

}  // namespace tl
