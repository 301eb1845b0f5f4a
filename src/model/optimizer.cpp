#include "tl/model/optimizer.hpp"

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include "tl/base/error.hpp"

namespace tl {

namespace {

std::unique_ptr<torch::optim::Optimizer> make_single_group(const OptimizerConfig& config,
                                                           const std::vector<torch::Tensor>& parameters) {
  switch (config.kind) {
    case OptimizerKind::sgd:
      return std::make_unique<torch::optim::SGD>(parameters, torch::optim::SGDOptions(config.lr)
                                                                 .momentum(config.momentum)
                                                                 .nesterov(config.nesterov)
                                                                 .weight_decay(config.weight_decay));
    case OptimizerKind::adamw:
      return std::make_unique<torch::optim::AdamW>(
          parameters, torch::optim::AdamWOptions(config.lr).weight_decay(config.weight_decay));
    case OptimizerKind::adam:
      return std::make_unique<torch::optim::Adam>(
          parameters, torch::optim::AdamOptions(config.lr).weight_decay(config.weight_decay));
  }
  throw Error("optimizer: unknown kind");
}

}  // namespace

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& config,
                                                        const std::vector<torch::Tensor>& parameters,
                                                        const std::vector<torch::Tensor>& backbone_parameters) {
  auto optimizer = make_single_group(config, parameters);
  if (!backbone_parameters.empty()) {
    optimizer->add_param_group(
        torch::optim::OptimizerParamGroup(backbone_parameters, optimizer->param_groups().front().options().clone()));
  }
  return optimizer;
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr, double backbone_multiplier) {
  auto& groups = optimizer.param_groups();
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(i == 0 ? lr : lr * backbone_multiplier);
}

}  // namespace tl
