#pragma once
// How many CPU threads LibTorch may use, and how the allocator treats its large buffers. Free of
// LibTorch headers, so executables can set it without compiling against tensors.

namespace tl {

// Sets LibTorch's intra-op threads (Debian's build defaults to one; 0 means all cores) and keeps
// glibc from returning every large activation buffer to the kernel after each forward pass: with
// the default thresholds each batch re-faults ~100 MB of pages, which measured here as more system
// time than compute (19 -> 46 images/s for MobileNetV2 on 2 cores). Returns the thread count set.
int configure_cpu_runtime(int requested_threads);

}  // namespace tl
