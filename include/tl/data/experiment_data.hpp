#pragma once
// The one mapping from an experiment to the images it names and how they split. Training,
// evaluation, tl-info and the benchmarks all go through it, so they read the same dataset and cut
// the same split from it (the split depends on the experiment's seed).
#include "tl/config/experiment.hpp"
#include "tl/data/dataset.hpp"
#include "tl/data/split.hpp"

namespace tl {

LayoutOptions layout_options(const DataConfig& data);
SplitOptions split_options(const Experiment& experiment);

}  // namespace tl
