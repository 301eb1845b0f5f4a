// Benchmark (not a test): images/s of one TorchScript backbone under each way of running it —
// as loaded, frozen (torch::jit::freeze), optimised for inference (torch::jit::optimize_for_inference)
// — in NCHW and channels-last memory format, at several batch sizes, measured side by side.
//
// usage: tl-bench-backbone BACKBONE.pt [SIZE=224] [THREADS=0] [SECONDS_PER_CASE=4]
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <torch/script.h>

#include "tl/features/cpu_runtime.hpp"
#include "tl/features/device.hpp"

namespace {

double images_per_second(torch::jit::Module& module, int batch, int size, bool channels_last, double seconds) {
  auto input = torch::randn({batch, 3, size, size});
  if (channels_last) input = input.contiguous(at::MemoryFormat::ChannelsLast);
  torch::InferenceMode inference;
  module.forward({input});  // warm-up: first calls compile and allocate
  module.forward({input});
  int images = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    module.forward({input});
    images += batch;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return images / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s BACKBONE.pt [SIZE=224] [THREADS=0] [SECONDS_PER_CASE=4]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  const int size = argc > 2 ? std::stoi(argv[2]) : 224;
  const int threads = tl::configure_cpu_runtime(argc > 3 ? std::stoi(argv[3]) : 0);
  const double seconds = argc > 4 ? std::stod(argv[4]) : 4.0;
  std::printf("backbone %s, input %d, %d threads, %.0f s per case\n", path.c_str(), size, threads, seconds);
  std::printf("%-24s %-14s %6s %10s\n", "variant", "format", "batch", "images/s");
  for (const std::string variant : {"as loaded", "frozen", "optimize_for_inference"}) {
    torch::jit::Module module = torch::jit::load(path);
    module.eval();
    if (variant == "frozen") module = torch::jit::freeze(module);
    if (variant == "optimize_for_inference") module = torch::jit::optimize_for_inference(module);
    for (const bool channels_last : {false, true}) {
      for (const int batch : {8, 16, 32}) {
        std::printf("%-24s %-14s %6d %10.1f\n", variant.c_str(), channels_last ? "channels-last" : "NCHW", batch,
                    images_per_second(module, batch, size, channels_last, seconds));
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
