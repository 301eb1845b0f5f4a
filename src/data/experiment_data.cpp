#include "tl/data/experiment_data.hpp"

#include <cstdint>

namespace tl {

LayoutOptions layout_options(const DataConfig& data) { return {data.layout, data.root, data.target}; }

SplitOptions split_options(const Experiment& experiment) {
  const DataConfig& data = experiment.data;
  return {data.val_fraction, data.test_fraction, static_cast<uint64_t>(experiment.seed),
          data.val_fold ? data.val_fold->of : 0, data.val_fold ? data.val_fold->index : 0};
}

}  // namespace tl
