#include "tl/model/head.hpp"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

namespace tl {

HeadImpl::HeadImpl(int in_features, int classes, const HeadConfig& config)
    : in_features_(in_features), classes_(classes), config_(config) {
  int width = in_features;
  if (config.type == HeadType::mlp) {
    for (int hidden : config.hidden) {
      layers_->push_back(torch::nn::Linear(width, hidden));
      layers_->push_back(torch::nn::ReLU());
      if (config.dropout > 0) layers_->push_back(torch::nn::Dropout(config.dropout));
      width = hidden;
    }
  } else if (config.dropout > 0) {
    layers_->push_back(torch::nn::Dropout(config.dropout));
  }
  layers_->push_back(torch::nn::Linear(width, classes));
  register_module("layers", layers_);
}

std::vector<torch::nn::Linear> HeadImpl::linear_layers() const {
  std::vector<torch::nn::Linear> linears;
  for (const auto& layer : layers_->children()) {
    if (auto linear = std::dynamic_pointer_cast<torch::nn::LinearImpl>(layer)) linears.emplace_back(linear);
  }
  return linears;
}

torch::Tensor HeadImpl::forward(const torch::Tensor& features) { return layers_->forward(features); }

}  // namespace tl
