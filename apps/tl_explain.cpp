// tl-explain: what a backbone sees (feature maps of its blocks) and where a trained run looks
// (class heat maps, Grad-CAM), drawn over the photo as PNG.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "app_main.hpp"
#include "tl/base/logging.hpp"
#include "tl/explain/feature_map_request.hpp"
#include "tl/explain/heat_map_request.hpp"
#include "tl/features/cpu_runtime.hpp"
#include "tl/features/library_error.hpp"
#include "tl/features/runtime_versions.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Look inside: a backbone's feature maps for an image, or a trained run's class heat map."};
  tl::app::show_defaults_in_help(app);
  app.require_subcommand(1);
  std::string device = "auto";
  int threads = 0;
  tl::app::Verbosity verbosity;

  auto* features = app.add_subcommand(
      "features", "the strongest channels of a backbone's blocks for one image, tiled beside it (one PNG per block)");
  tl::FeatureMapRequest maps;
  bool list_blocks = false;
  auto* backbone_option =
      features->add_option("--backbone", maps.backbone, "a TorchScript backbone (.pt)")->check(CLI::ExistingFile);
  auto* maps_run_option =
      features->add_option("--run", maps.run, "a run directory: its first backbone, as trained (fine-tuned blocks too)")
          ->check(CLI::ExistingDirectory)
          ->excludes(backbone_option);
  features->add_option("--metadata", maps.metadata, "with --backbone: its metadata (default: beside it)")
      ->check(CLI::ExistingFile)
      ->needs(backbone_option);
  features->add_option("--checkpoint", maps.checkpoint, "with --run: instead of best.pt")
      ->check(CLI::ExistingFile)
      ->needs(maps_run_option);
  features->add_option("image", maps.image, "the image")->check(CLI::ExistingFile);
  features->add_option("--block", maps.blocks,
                       "a block to show, as --list-blocks names it (repeat for several; "
                       "default: one from the middle and the last)");
  features->add_option("-n,--channels", maps.channels, "the strongest this many channels of each block")
      ->check(CLI::Range(1, 1024));
  features->add_flag("--mean", maps.mean, "show the mean over all channels instead");
  features->add_option("-o,--out", maps.out, "the PNG (several blocks: <stem>_<block>.png each)")
      ->check(tl::app::kFileNameNotStdout);
  features->add_flag("--list-blocks", list_blocks,
                     "list the blocks that give a spatial map, with their shapes, and exit");

  auto* heat_map = app.add_subcommand("heat-map", "where a trained run looks for a class in one photo (Grad-CAM)");
  tl::HeatMapRequest heat;
  heat_map->add_option("--run", heat.run, "run directory written by tl-train")
      ->required()
      ->check(CLI::ExistingDirectory);
  heat_map->add_option("--checkpoint", heat.checkpoint, "instead of <run>/best.pt")->check(CLI::ExistingFile);
  heat_map->add_option("image", heat.image, "the photo")->required()->check(CLI::ExistingFile);
  heat_map->add_option("-c,--class", heat.target, "class name or number (default: the predicted class)");
  heat_map->add_option("--flips", heat.flips,
                       "true: the mean of the photo's and its mirror image's map (default: as the run's eval.tta)");
  heat_map->add_option("-o,--out", heat.out, "the PNG: the photo as the model saw it and the map over it")
      ->required()
      ->check(tl::app::kFileNameNotStdout);

  for (CLI::App* command : {features, heat_map}) {
    tl::app::add_device_option(*command, device);
    tl::app::add_threads_option(*command, threads);
    tl::app::add_verbosity_flags(*command, verbosity);
  }
  tl::app::add_version_flag(app, "tl-explain", tl::runtime_versions);
  if (const auto exit_code = tl::app::parse_command_line(app, argc, argv)) return *exit_code;
  if (*features && !maps.backbone && !maps.run) {
    std::fprintf(stderr, "tl-explain features: give --backbone FILE or --run DIR\n");
    return tl::app::kExitUsage;
  }
  if (*features && !list_blocks && (maps.image.empty() || maps.out.empty())) {
    std::fprintf(stderr, "tl-explain features: give the image and -o FILE (or --list-blocks)\n");
    return tl::app::kExitUsage;
  }

  return tl::app::guarded("tl-explain", tl::describe_library_error, [&] {
    tl::configure_logging(verbosity.level());
    tl::configure_cpu_runtime(threads);
    if (*features) {
      maps.device = device;
      if (list_blocks) {
        for (const std::string& block : tl::describe_spatial_blocks(maps)) std::printf("%s\n", block.c_str());
        return 0;
      }
      const tl::FeatureMapOutcome outcome = tl::feature_maps_to_files(maps);
      for (size_t i = 0; i < outcome.images.size(); ++i) {
        std::printf("%s: block %s\n", outcome.images[i].c_str(), outcome.blocks[i].c_str());
      }
      return 0;
    }
    heat.device = device;
    const tl::HeatMapOutcome outcome = tl::heat_map_to_files(heat);
    std::printf("%s: where the run sees %s (%.2f%%; predicted %s %.2f%%), block %s\n", outcome.image.c_str(),
                outcome.target.c_str(), 100 * outcome.target_probability, outcome.predicted.c_str(),
                100 * outcome.predicted_probability, outcome.blocks.front().c_str());
    return 0;
  });
}
