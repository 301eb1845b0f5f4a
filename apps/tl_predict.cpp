// tl-predict: top-k classes with probabilities for single images.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "app_main.hpp"
#include "tl/features/device.hpp"
#include "tl/data/image_decoder.hpp"
#include "tl/base/logging.hpp"
#include "tl/eval/trained_classifier.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Classify images with a trained run: the top-k classes and their probabilities."};
  std::string run, device = "auto";
  std::optional<std::string> checkpoint;
  std::vector<std::string> images;
  int top_k = 5, threads = 0;
  bool json_output = false, verbose = false;
  app.add_option("--run", run, "run directory written by tl-train (default: the checkpoint's folder)");
  app.add_option("--checkpoint", checkpoint, "checkpoint to use instead of <run>/best.pt")->check(CLI::ExistingFile);
  app.add_option("images", images, "image files")->required();
  app.add_option("-k,--top-k", top_k, "how many classes to list per image")->check(CLI::PositiveNumber);
  app.add_option("--device", device, "auto, cpu, cuda or cuda:N");
  app.add_option("--threads", threads, "CPU threads for LibTorch (0 = all cores)");
  app.add_flag("--json", json_output, "print JSON instead of text");
  app.add_flag("-v,--verbose", verbose, "debug logging");
  if (const auto exit_code = tl::app::parse_command_line(app, argc, argv)) return *exit_code;
  if (run.empty() && !checkpoint) {
    std::fprintf(stderr, "tl-predict: give --run DIR or --checkpoint FILE\n");
    return tl::app::kExitUsage;
  }
  if (run.empty()) run = std::filesystem::path(*checkpoint).parent_path().string();

  return tl::app::guarded("tl-predict", [&] {
    tl::configure_logging(verbose);
    tl::configure_cpu_runtime(threads);
    tl::TrainedClassifier classifier(run, checkpoint, tl::resolve_device(device));
    const auto& preprocessing = classifier.preprocessing();
    const auto& names = classifier.class_names();
    const int k = std::min<int>(top_k, static_cast<int>(names.size()));
    nlohmann::json results = nlohmann::json::array();
    int failures = 0;
    for (const auto& image : images) {
      const tl::DecodedImage decoded = tl::decode_image_file(image, preprocessing.decode_shorter_side());
      if (!decoded.error.empty()) {
        ++failures;
        results.push_back({{"image", image}, {"error", decoded.error}});
        if (!json_output) std::cout << image << ": error: " << decoded.error << "\n";
        continue;
      }
      torch::Tensor input = torch::empty({1, 3, preprocessing.height, preprocessing.width});
      tl::preprocess_for_eval(decoded.rgb, preprocessing, input.data_ptr<float>());
      const torch::Tensor probabilities = classifier.probabilities_for_images(input).to(torch::kCPU)[0];
      const auto top = probabilities.topk(k);
      nlohmann::json predictions = nlohmann::json::array();
      if (!json_output) std::cout << image << "\n";
      for (int i = 0; i < k; ++i) {
        const int index = static_cast<int>(std::get<1>(top)[i].item<int64_t>());
        const double probability = std::get<0>(top)[i].item<double>();
        predictions.push_back({{"class", names[index]}, {"index", index}, {"probability", probability}});
        if (!json_output) std::printf("  %-28s %6.2f%%\n", names[index].c_str(), 100 * probability);
      }
      results.push_back({{"image", image}, {"predictions", predictions}});
    }
    if (json_output) std::cout << results.dump(2) << "\n";
    return failures == 0 ? 0 : tl::app::kExitError;
  });
}
