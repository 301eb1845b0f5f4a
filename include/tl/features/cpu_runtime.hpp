#pragma once
// How many CPU threads LibTorch may use, and how the allocator treats its large buffers. Free of
// LibTorch headers, so executables can set it without compiling against tensors.

namespace tl {

// Sets LibTorch's intra-op threads (Debian's build defaults to one; 0 means all cores) and keeps
// glibc from returning every large activation buffer to the kernel after each forward pass: with
// the default thresholds each batch re-faults ~100 MB of pages, which measured here as more system
// time than compute (19 -> 46 images/s for MobileNetV2 on 2 cores). Buffers above glibc's largest
// mmap threshold (32 MiB: a training step's activations at batch 32) come from the heap too, which
// then keeps them: a fine-tuning epoch through the whole MobileNetV2 measured 22.4 s with 41 s of
// system time per run before, 5.1 s and 3.6 s after (peak memory 1.1 -> 1.4 GB). Returns the thread
// count set.
int configure_cpu_runtime(int requested_threads);

// Images per backbone forward pass: `configured` when positive, else the batch measured fastest for
// LibTorch's current thread count. LibTorch 1.13 runs the 1x1 convolutions of a batch under 16 on
// its native path (im2col + BLAS) when single-threaded, oneDNN otherwise: MobileNetV2 on one core
// measured 31 images/s at batch 8 and 50 at 16; on two threads batch 8 is fastest (115 against 89).
int backbone_batch_size(int configured);

}  // namespace tl
