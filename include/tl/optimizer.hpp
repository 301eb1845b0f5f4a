#pragma once
// Building the configured optimizer, and setting its learning rate from a schedule.
#include <memory>
#include <vector>

#include <torch/optim/optimizer.h>

#include "tl/experiment.hpp"

namespace tl {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& config,
                                                        const std::vector<torch::Tensor>& parameters);

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

}  // namespace tl
