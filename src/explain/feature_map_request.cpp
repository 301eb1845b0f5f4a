#include "tl/explain/feature_map_request.hpp"

#include <memory>

#include <torch/torch.h>

#include "tl/base/error.hpp"
#include "tl/base/utf8_text.hpp"
#include "tl/data/png_file.hpp"
#include "tl/explain/feature_map_grid.hpp"
#include "tl/explain/feature_maps.hpp"
#include "tl/explain/photo_view.hpp"
#include "tl/features/device.hpp"
#include "tl/model/trained_classifier.hpp"

namespace fs = std::filesystem;

namespace tl {
namespace {

// The backbone a request names, with what keeps it alive.
struct OpenedBackbone {
  std::unique_ptr<TrainedClassifier> run;
  LoadedBackbone file;
  Backbone* backbone = nullptr;
  Preprocessing preprocessing;
};

OpenedBackbone open_backbone(const FeatureMapRequest& request) {
  const torch::Device device = resolve_device(request.device);
  OpenedBackbone opened;
  if (request.run) {
    opened.run = std::make_unique<TrainedClassifier>(*request.run, request.checkpoint, device);
    opened.backbone = opened.run->backbones().front().backbone.get();
    opened.preprocessing = opened.run->preprocessing();
  } else if (request.backbone) {
    opened.file =
        load_backbone(BackboneSource{*request.backbone, request.metadata, std::nullopt}, DataConfig{}, device);
    opened.backbone = opened.file.backbone.get();
    opened.preprocessing = opened.file.preprocessing;
  } else {
    throw Error("no backbone: give a backbone file or a run directory");
  }
  return opened;
}

fs::path output_for(const fs::path& out, const std::string& block, bool several) {
  if (!several) return out;
  return out.parent_path() / (out.stem().string() + "_" + block + out.extension().string());
}

}  // namespace

FeatureMapOutcome feature_maps_to_files(const FeatureMapRequest& request) {
  if (request.channels < 1) throw Error("channels: expected at least 1 feature map per block");
  OpenedBackbone opened = open_backbone(request);
  const Preprocessing& preprocessing = opened.preprocessing;
  std::vector<std::string> available;
  for (const SpatialBlock& block : opened.backbone->spatial_blocks(preprocessing.height, preprocessing.width)) {
    available.push_back(block.name);
  }
  FeatureMapOutcome outcome;
  outcome.blocks = request.blocks.empty() ? default_feature_blocks(available) : request.blocks;
  if (outcome.blocks.empty()) throw Error(path_text(opened.backbone->path()) + ": no block gives a spatial map");
  const PhotoView view = view_photo(request.image, preprocessing, opened.backbone->device());
  const std::string source = opened.backbone->path().filename().string();
  for (const std::string& block : outcome.blocks) {
    const BlockFeatureMaps maps = block_feature_maps(*opened.backbone, view.input, block, request.channels);
    std::vector<LabelledMap> tiles;
    std::string caption = source + ", block " + block + " (" + std::to_string(maps.channels) + " channels of " +
                          std::to_string(maps.mean_map.rows) + " x " + std::to_string(maps.mean_map.cols) + "): ";
    if (request.mean) {
      tiles.push_back({maps.mean_map, "mean"});
      caption += "the mean over all channels";
    } else {
      for (const ChannelMap& channel : maps.strongest)
        tiles.push_back({channel.map, "ch " + std::to_string(channel.channel)});
      caption += "the " + std::to_string(maps.strongest.size()) + " strongest, by mean activation";
    }
    const fs::path path = output_for(request.out, block, outcome.blocks.size() > 1);
    write_png_file(path, feature_map_grid(view.rgb, tiles, caption));
    outcome.images.push_back(path);
  }
  return outcome;
}

std::vector<std::string> describe_spatial_blocks(const FeatureMapRequest& request) {
  OpenedBackbone opened = open_backbone(request);
  const Preprocessing& preprocessing = opened.preprocessing;
  std::vector<std::string> described;
  for (const SpatialBlock& block : opened.backbone->spatial_blocks(preprocessing.height, preprocessing.width)) {
    described.push_back(block.name + " [" + std::to_string(block.shape[0]) + " x " + std::to_string(block.shape[1]) +
                        " x " + std::to_string(block.shape[2]) + "]");
  }
  return described;
}

}  // namespace tl
