#pragma once
// Head: the new classifier trained on top of the frozen backbone's features. Linear by default;
// an MLP (Linear -> ReLU -> Dropout per hidden size, then Linear) when configured.
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "tl/config/model_options.hpp"

namespace tl {

class HeadImpl : public torch::nn::Module {
 public:
  HeadImpl(int in_features, int classes, const HeadConfig& config);
  torch::Tensor forward(const torch::Tensor& features);

  int in_features() const { return in_features_; }
  int classes() const { return classes_; }
  const HeadConfig& config() const { return config_; }
  // The Linear layers in order. At inference the head is exactly: each layer, with a ReLU between
  // consecutive ones (dropout is the identity), which is what an exported classifier replays.
  std::vector<torch::nn::Linear> linear_layers() const;

 private:
  int in_features_, classes_;
  HeadConfig config_;
  torch::nn::Sequential layers_;
};
TORCH_MODULE(Head);

}  // namespace tl
