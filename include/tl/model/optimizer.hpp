#pragma once
// Building the configured optimizer, and setting its learning rate from a schedule. Fine-tuning adds
// a second parameter group, the backbone's, whose rate is the head's times a multiplier.
#include <memory>
#include <vector>

#include <torch/optim/optimizer.h>

#include "tl/config/train_options.hpp"

namespace tl {

// `backbone_parameters` empty: one group, the head's.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& config,
                                                        const std::vector<torch::Tensor>& parameters,
                                                        const std::vector<torch::Tensor>& backbone_parameters = {});

// The head's group gets `lr`, the backbone's (if any) lr x backbone_multiplier.
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr, double backbone_multiplier = 1.0);

}  // namespace tl
