#include "tl/data/experiment_data.hpp"

#include <cstdint>

namespace tl {

LayoutOptions layout_options(const DataConfig& data) { return {data.layout, data.root, data.target}; }

SplitOptions split_options(const Experiment& experiment) {
  return {experiment.data.val_fraction, experiment.data.test_fraction, static_cast<uint64_t>(experiment.seed)};
}

}  // namespace tl
