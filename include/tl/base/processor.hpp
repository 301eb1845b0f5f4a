#pragma once
// The CPU this process runs on, as benchmark output records it: machine kinds change between runs
// (an AMD EPYC with AVX-512 BF16 one day, an Intel without it the next), and a figure without the
// processor that produced it cannot be compared with the next one.
#include <string>

namespace tl {

// e.g. "AMD EPYC 9R14 (x86_64; avx2 avx512f avx512_bf16)": the model name from /proc/cpuinfo and the
// vector extensions LibTorch's kernels choose between; "unknown" where /proc/cpuinfo says nothing.
std::string processor_description();

}  // namespace tl
