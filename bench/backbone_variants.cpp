// Benchmark (not a test): images/s of one TorchScript backbone under each way of running it —
// as loaded, frozen (torch::jit::freeze), optimised for inference (torch::jit::optimize_for_inference),
// and tl's own feature pass (the Backbone tl-train runs) — in NCHW and channels-last memory format,
// float32 and bfloat16, at several batch sizes, measured side by side.
//
// usage: tl-bench-backbone BACKBONE.pt [--size 224] [--threads 0] [--seconds 4] [--batches 8,16,32]
//                          [--variants loaded,frozen,optimized,tl] [--precisions float32,bfloat16]
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <torch/script.h>

#include "tl/base/processor.hpp"
#include "tl/config/data_options.hpp"
#include "tl/features/backbone.hpp"
#include "tl/features/cpu_runtime.hpp"

namespace {

using Forward = std::function<void(const torch::Tensor&)>;

double images_per_second(const Forward& forward, const torch::Tensor& input, double seconds) {
  torch::InferenceMode inference;
  forward(input);  // warm-up: first calls compile and allocate
  forward(input);
  int64_t images = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    forward(input);
    images += input.size(0);
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return static_cast<double>(images) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(
      "Images/s of one TorchScript backbone run each way (as loaded, frozen, optimised for inference, tl's "
      "feature pass; NCHW and channels-last; float32 and bfloat16; several batch sizes), side by side.");
  std::string path;
  int size = 224;
  int threads = 0;
  double seconds = 4.0;
  std::vector<int> batches{8, 16, 32};
  std::vector<std::string> variants{"loaded", "frozen", "optimized", "tl"};
  std::vector<std::string> precisions{"float32", "bfloat16"};
  app.add_option("backbone", path, "the backbone, TorchScript")->required()->check(CLI::ExistingFile);
  app.add_option("--size", size, "input height and width")->capture_default_str()->check(CLI::Range(8, 4096));
  app.add_option("--threads", threads, "LibTorch threads; 0: every available core")->capture_default_str();
  app.add_option("--seconds", seconds, "seconds measured per case")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--batches", batches, "batch sizes")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--variants", variants, "ways of running it")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::IsMember({"loaded", "frozen", "optimized", "tl"}));
  app.add_option("--precisions", precisions, "what it computes in")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::IsMember({"float32", "bfloat16"}));
  CLI11_PARSE(app, argc, argv);

  threads = tl::configure_cpu_runtime(threads);
  std::printf("cpu %s\n", tl::processor_description().c_str());
  std::printf("backbone %s, input %d, %d threads, %.2f s per case\n", path.c_str(), size, threads, seconds);
  std::printf("%-12s %-10s %-14s %6s %10s\n", "variant", "precision", "format", "batch", "images/s");
  for (const std::string& precision_name : precisions) {
    const torch::ScalarType precision = precision_name == "bfloat16" ? torch::kBFloat16 : torch::kFloat;
    for (const std::string& variant : variants) {
      Forward forward;
      bool tl_pass = variant == "tl";
      torch::jit::Module module;
      std::unique_ptr<tl::Backbone> backbone;
      if (tl_pass) {  // channels-last and the cast are its own business: it takes NCHW float32
        backbone = tl::load_backbone({path, std::nullopt, std::nullopt}, tl::DataConfig{}, torch::kCPU).backbone;
        backbone->set_feature_precision(precision);
        forward = [&](const torch::Tensor& input) { backbone->features(input); };
      } else {
        module = torch::jit::load(path);
        module.eval();
        module.to(precision);
        if (variant == "frozen") module = torch::jit::freeze(module);
        if (variant == "optimized") module = torch::jit::optimize_for_inference(module);
        forward = [&](const torch::Tensor& input) { module.forward({input}); };
      }
      for (const bool channels_last : {false, true}) {
        if (tl_pass && channels_last) continue;
        for (const int batch : batches) {
          torch::Tensor input = torch::randn({batch, 3, size, size});
          if (!tl_pass) input = input.to(precision);
          if (channels_last) input = input.contiguous(at::MemoryFormat::ChannelsLast);
          std::printf("%-12s %-10s %-14s %6d %10.1f\n", variant.c_str(), precision_name.c_str(),
                      tl_pass         ? "(its own)"
                      : channels_last ? "channels-last"
                                      : "NCHW",
                      batch, images_per_second(forward, input, seconds));
          std::fflush(stdout);
        }
      }
    }
  }
  return 0;
}
