// Benchmark (not a test): images/s of one TorchScript backbone under each way of running it —
// as loaded, frozen (torch::jit::freeze), optimised for inference (torch::jit::optimize_for_inference)
// — in NCHW and channels-last memory format, at several batch sizes, measured side by side.
//
// usage: tl-bench-backbone BACKBONE.pt [--size 224] [--threads 0] [--seconds 4] [--batches 8,16,32]
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <torch/script.h>

#include "tl/base/processor.hpp"
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
  CLI::App app("Images/s of one TorchScript backbone run each way (as loaded, frozen, optimised for inference; "
               "NCHW and channels-last; several batch sizes), side by side in one run.");
  std::string path;
  int size = 224;
  int threads = 0;
  double seconds = 4.0;
  std::vector<int> batches{8, 16, 32};
  app.add_option("backbone", path, "the backbone, TorchScript")->required()->check(CLI::ExistingFile);
  app.add_option("--size", size, "input height and width")->capture_default_str()->check(CLI::Range(8, 4096));
  app.add_option("--threads", threads, "LibTorch threads; 0: every available core")->capture_default_str();
  app.add_option("--seconds", seconds, "seconds measured per case")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--batches", batches, "batch sizes")->delimiter(',')->capture_default_str()->check(CLI::Range(1, 1024));
  CLI11_PARSE(app, argc, argv);

  threads = tl::configure_cpu_runtime(threads);
  std::printf("cpu %s\n", tl::processor_description().c_str());
  std::printf("backbone %s, input %d, %d threads, %.2f s per case\n", path.c_str(), size, threads, seconds);
  std::printf("%-24s %-14s %6s %10s\n", "variant", "format", "batch", "images/s");
  for (const std::string variant : {"as loaded", "frozen", "optimize_for_inference"}) {
    torch::jit::Module module = torch::jit::load(path);
    module.eval();
    if (variant == "frozen") module = torch::jit::freeze(module);
    if (variant == "optimize_for_inference") module = torch::jit::optimize_for_inference(module);
    for (const bool channels_last : {false, true}) {
      for (const int batch : batches) {
        std::printf("%-24s %-14s %6d %10.1f\n", variant.c_str(), channels_last ? "channels-last" : "NCHW", batch,
                    images_per_second(module, batch, size, channels_last, seconds));
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
