#pragma once
// Feature maps as tl-explain features asks for them, from files to files: a backbone file (or a
// run's first backbone, as fine-tuned), an image, the blocks to show and the PNG to write. Free of
// LibTorch.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tl {

struct FeatureMapRequest {
  std::optional<std::filesystem::path> backbone, metadata;  // metadata: default beside the backbone
  std::optional<std::filesystem::path> run, checkpoint;     // instead of a backbone file
  std::filesystem::path image;
  std::vector<std::string> blocks;  // default: a middle block and the last (default_feature_blocks)
  int channels = 16;                // the strongest this many channels of each block
  bool mean = false;                // instead: one map, the mean over every channel
  std::filesystem::path out;        // the PNG; with several blocks, <stem>_<block><ext> for each
  std::string device = "auto";
};

struct FeatureMapOutcome {
  std::vector<std::filesystem::path> images;  // in the order of the blocks
  std::vector<std::string> blocks;
};

FeatureMapOutcome feature_maps_to_files(const FeatureMapRequest& request);

// The blocks the request's backbone can show, with the shape of each one's output for its input
// size, e.g. "features.18 [1280, 7, 7]".
std::vector<std::string> describe_spatial_blocks(const FeatureMapRequest& request);

}  // namespace tl
