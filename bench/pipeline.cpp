// Benchmark (not a test): the parts of tl-train's first pass measured one by one on a config's data.
// Prints JSON: images/s of decode+preprocess alone, of the backbone alone (random input), of the
// whole first pass (both overlapped, no cache), and the machine's float32 matrix-multiply GFLOP/s.
// With train.augmentation in the config, the same for an augmented view (full-size decode, random
// crop, flip, jitter): decode+augment alone and a whole view pass, and its ratio to the plain pass.
// Also writes <out>/train.txt and <out>/test.txt ("<label> <path>") so a Python reference can train
// and test on exactly the same split.
//
// With several backbones in the config, the first one is measured.
//
// usage: tl-bench-pipeline CONFIG OUT_DIR [--backbone-seconds 8] [--matmul-seconds 4]
#include <chrono>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "tl/base/logging.hpp"
#include "tl/base/processor.hpp"
#include "tl/config/experiment.hpp"
#include "tl/data/experiment_data.hpp"
#include "tl/data/split.hpp"
#include "tl/features/backbone.hpp"
#include "tl/features/batch_loader.hpp"
#include "tl/features/cpu_runtime.hpp"
#include "tl/features/device.hpp"
#include "tl/features/feature_extraction.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void write_list(const std::filesystem::path& file, const tl::Dataset& dataset, const std::vector<size_t>& indices) {
  std::ofstream out(file);
  for (size_t index : indices) out << dataset.samples[index].label << " " << dataset.samples[index].path << "\n";
}

double decode_images_per_second(const tl::Dataset& dataset, const std::vector<size_t>& indices,
                                const tl::Preprocessing& preprocessing, const tl::LoaderOptions& options) {
  tl::SkippedFiles skipped;
  const auto start = Clock::now();
  // Keys by position: any key gives a view of the same cost.
  std::vector<uint64_t> keys;
  if (options.augmentation) keys.assign(indices.begin(), indices.end());
  tl::BatchLoader loader(dataset, indices, preprocessing, options, skipped, keys);
  while (loader.next()) {
  }
  return indices.size() / seconds_since(start);
}

double backbone_images_per_second(tl::Backbone& backbone, const tl::Preprocessing& p, int batch, double seconds) {
  const auto input = torch::randn({batch, 3, p.height, p.width});
  backbone.features(input);
  int images = 0;
  const auto start = Clock::now();
  while (seconds_since(start) < seconds) {
    backbone.features(input);
    images += batch;
  }
  return images / seconds_since(start);
}

double matmul_gflops(int size, double seconds) {
  const auto a = torch::randn({size, size});
  const auto b = torch::randn({size, size});
  torch::mm(a, b);
  int products = 0;
  const auto start = Clock::now();
  while (seconds_since(start) < seconds) {
    torch::mm(a, b);
    ++products;
  }
  return 2.0 * size * size * static_cast<double>(size) * products / seconds_since(start) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(
      "The parts of tl-train's first pass measured one by one on a config's data: decode+preprocess, the "
      "backbone, the whole pass (and an augmented view pass with train.augmentation). Prints JSON.");
  std::string config;
  std::filesystem::path out;
  double backbone_seconds = 8.0;
  double matmul_seconds = 4.0;
  app.add_option("config", config, "an experiment config (YAML or JSON)")->required()->check(CLI::ExistingFile);
  app.add_option("out_dir", out, "where train.txt and test.txt (the split, \"<label> <path>\") are written")
      ->required();
  app.add_option("--backbone-seconds", backbone_seconds, "seconds of the backbone-alone measurement")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--matmul-seconds", matmul_seconds, "seconds of the matrix-multiply measurement")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  tl::configure_logging(tl::LogLevel::normal);  // logs to stderr: stdout carries only the JSON
  const tl::Experiment experiment = tl::load_experiment_file(config);
  std::filesystem::create_directories(out);
  const int threads = tl::configure_cpu_runtime(experiment.threads);
  const tl::Dataset dataset = tl::load_dataset(tl::layout_options(experiment.data));
  const tl::Split split = tl::make_split(dataset, tl::split_options(experiment));
  write_list(out / "train.txt", dataset, split.train);
  write_list(out / "test.txt", dataset, split.test);

  auto loaded = tl::load_backbone(experiment.model.backbones.front(), experiment.data, torch::kCPU);
  const tl::LoaderOptions options = tl::loader_options(experiment.data);
  const int batch_size = options.batch_size;
  nlohmann::json result;
  result["cpu"] = tl::processor_description();
  result["threads"] = threads;
  result["batch_size"] = batch_size;
  result["images"] = split.train.size();
  result["decode_preprocess_images_per_second"] =
      decode_images_per_second(dataset, split.train, loaded.preprocessing, options);
  result["backbone_images_per_second"] =
      backbone_images_per_second(*loaded.backbone, loaded.preprocessing, batch_size, backbone_seconds);
  tl::SkippedFiles skipped;
  const auto first = tl::extract_features(*loaded.backbone, dataset, split.train, loaded.preprocessing, options,
                                          skipped, nullptr, "first pass");
  result["first_pass_images_per_second"] = first.size() / first.seconds;
  if (experiment.train.augmentation.enabled()) {
    tl::LoaderOptions augmented = options;
    augmented.augmentation = experiment.train.augmentation;
    tl::Preprocessing full_size = loaded.preprocessing;
    full_size.reduced_decode = false;  // as tl-train's views: a random crop may need every pixel
    result["augmented_decode_preprocess_images_per_second"] =
        decode_images_per_second(dataset, split.train, full_size, augmented);
    const tl::AugmentedView view{experiment.train.augmentation, static_cast<uint64_t>(experiment.seed), 0};
    const auto pass = tl::extract_features(*loaded.backbone, dataset, split.train, full_size, options, skipped, nullptr,
                                           "augmented view pass", &view);
    result["augmented_view_pass_images_per_second"] = pass.size() / pass.seconds;
    result["augmented_over_plain_pass"] = (pass.size() / pass.seconds) / (first.size() / first.seconds);
  }
  result["matmul_gflops"] = matmul_gflops(1024, matmul_seconds);
  std::cout << result.dump() << "\n";
  return 0;
}
