// tl-predict: top-k classes with probabilities for images: files, folders and list files.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "app_main.hpp"
#include "tl/base/atomic_file.hpp"
#include "tl/base/csv_cell.hpp"
#include "tl/base/logging.hpp"
#include "tl/base/utf8_text.hpp"
#include "tl/data/image_files.hpp"
#include "tl/eval/prediction.hpp"
#include "tl/features/cpu_runtime.hpp"
#include "tl/features/library_error.hpp"
#include "tl/features/runtime_versions.hpp"

namespace {

bool unsure(const tl::ImagePrediction& prediction, double min_probability) {
  return prediction.error.empty() && prediction.top.front().probability < min_probability;
}

std::string as_text(const std::vector<tl::ImagePrediction>& predictions, double min_probability) {
  std::string text;
  char line[512];
  for (const auto& prediction : predictions) {
    const std::string image = tl::path_text(prediction.image);
    if (!prediction.error.empty()) {
      text += image + ": error: " + prediction.error + "\n";
      continue;
    }
    text += image + (unsure(prediction, min_probability) ? "  (unsure)\n" : "\n");
    for (const auto& score : prediction.top) {
      std::snprintf(line, sizeof line, "  %-28s %6.2f%%\n", score.name.c_str(), 100 * score.probability);
      text += line;
    }
  }
  return text;
}

std::string as_json(const std::vector<tl::ImagePrediction>& predictions, double min_probability) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& prediction : predictions) {
    const std::string image = tl::path_text(prediction.image);
    if (!prediction.error.empty()) {
      results.push_back({{"image", image}, {"error", tl::utf8_text(prediction.error)}});
      continue;
    }
    nlohmann::json top = nlohmann::json::array();
    for (const auto& score : prediction.top) {
      top.push_back({{"class", score.name}, {"index", score.index}, {"probability", score.probability}});
    }
    results.push_back({{"image", image}, {"predictions", top}, {"unsure", unsure(prediction, min_probability)}});
  }
  return results.dump(2) + "\n";
}

// A row per image with the same columns: an image that could not be read has its error and empty
// class and probability cells.
std::string as_csv(const std::vector<tl::ImagePrediction>& predictions, double min_probability, int k) {
  std::string csv = "path,error,predicted_class,probability,unsure";
  for (int j = 2; j <= k; ++j) csv += ",class_" + std::to_string(j) + ",probability_" + std::to_string(j);
  csv += "\n";
  char number[32];
  for (const auto& prediction : predictions) {
    csv += tl::csv_cell(tl::path_text(prediction.image)) + "," + tl::csv_cell(tl::utf8_text(prediction.error));
    if (!prediction.error.empty()) {
      csv += std::string(static_cast<size_t>(3 + 2 * (k - 1)), ',') + "\n";
      continue;
    }
    for (size_t j = 0; j < prediction.top.size(); ++j) {
      std::snprintf(number, sizeof number, "%.6g", prediction.top[j].probability);
      csv += "," + tl::csv_cell(prediction.top[j].name) + "," + number;
      if (j == 0) csv += unsure(prediction, min_probability) ? ",1" : ",0";
    }
    csv += "\n";
  }
  return csv;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Classify images with a trained run: the top-k classes and their probabilities."};
  tl::app::show_defaults_in_help(app);
  std::string run, device = "auto", out = "-";
  std::optional<std::string> checkpoint, explain_folder;
  std::vector<std::string> images;
  int top_k = 5, threads = 0;
  double min_probability = 0;
  bool json_output = false, csv_output = false;
  tl::app::Verbosity verbosity;
  app.add_option("--run", run, "run directory written by tl-train (default: the checkpoint's folder)");
  app.add_option("--checkpoint", checkpoint, "checkpoint to use instead of <run>/best.pt")->check(CLI::ExistingFile);
  app.add_option("images", images,
                 "image files, folders (every image below them) and @FILE lists of them, one per line")
      ->required();
  app.add_option("-k,--top-k", top_k, "how many classes to list per image")->check(CLI::PositiveNumber);
  app.add_option("--min-probability", min_probability,
                 "mark an image whose most probable class is below this probability as unsure")
      ->check(CLI::Range(0.0, 1.0));
  tl::app::add_device_option(app, device);
  tl::app::add_threads_option(app, threads);
  auto* json_flag = app.add_flag("--json", json_output, "write JSON instead of text");
  app.add_flag("--csv", csv_output, "write CSV instead of text (a row per image)")->excludes(json_flag);
  app.add_option("-o,--out", out, "write the predictions to this file, - for standard output");
  app.add_option("--explain", explain_folder,
                 "also write a PNG per image into this folder: the photo as the run saw it and the heat map of its "
                 "most probable class (Grad-CAM), <stem>.png");
  tl::app::add_verbosity_flags(app, verbosity);
  tl::app::add_version_flag(app, "tl-predict", tl::runtime_versions);
  if (const auto exit_code = tl::app::parse_command_line(app, argc, argv)) return *exit_code;
  if (run.empty() && !checkpoint) {
    std::fprintf(stderr, "tl-predict: give --run DIR or --checkpoint FILE\n");
    return tl::app::kExitUsage;
  }
  if (run.empty()) run = std::filesystem::path(*checkpoint).parent_path().string();

  return tl::app::guarded("tl-predict", tl::describe_library_error, [&] {
    tl::configure_logging(verbosity.level());
    tl::configure_cpu_runtime(threads);
    const tl::ImageFiles files = tl::list_image_files(images);
    if (files.ignored_files > 0) {
      spdlog::info("{} files in the folders given are not images by their extension; ignored", files.ignored_files);
    }
    tl::Predictor predictor(run, checkpoint, device);
    tl::SkippedFiles skipped;
    const std::vector<tl::ImagePrediction> predictions = predictor.predict_all(files.images, top_k, skipped);
    const int shown = std::min<int>(top_k, static_cast<int>(predictor.class_names().size()));
    const std::string written = json_output  ? as_json(predictions, min_probability)
                                : csv_output ? as_csv(predictions, min_probability, shown)
                                             : as_text(predictions, min_probability);
    if (out == "-") {
      std::cout << written;
    } else {
      tl::write_file_atomically(out, written);
    }
    if (explain_folder) {
      const auto figures = predictor.explain(predictions, *explain_folder);
      spdlog::info("{} heat maps written to {}", figures.size(), *explain_folder);
    }
    return skipped.count() == 0 ? 0 : tl::app::kExitError;
  });
}
