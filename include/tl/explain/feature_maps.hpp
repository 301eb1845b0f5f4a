#pragma once
// Feature maps: what a backbone's block extracts from one image, channel by channel (the lesson's
// grid of VGG-16's activations for a cat). The strongest channels are those with the highest mean
// activation over the image.
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>
#include <torch/types.h>

#include "tl/features/backbone.hpp"

namespace tl {

struct ChannelMap {
  int channel = 0;
  double mean_activation = 0;
  cv::Mat map;  // CV_32F, the block's grid
};

struct BlockFeatureMaps {
  std::string block;
  int channels = 0;                   // in the block's output
  std::vector<ChannelMap> strongest;  // highest mean activation first
  cv::Mat mean_map;                   // CV_32F, the mean over every channel
};

// image: [1, 3, H, W] on the backbone's device, in its preprocessing. At most `count` channels.
BlockFeatureMaps block_feature_maps(Backbone& backbone, const torch::Tensor& image, const std::string& block,
                                    int count);

// The blocks shown when none is asked for: one from the middle of the spatial blocks and the last.
std::vector<std::string> default_feature_blocks(const std::vector<std::string>& spatial_blocks);

}  // namespace tl
