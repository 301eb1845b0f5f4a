#pragma once
// Training a head on a frozen backbone, end to end: dataset and split, backbone features computed
// once, head epochs on those features with the configured optimizer and schedule, metrics and
// checkpoints written to the run directory after every epoch (best.pt by validation accuracy,
// ties broken by validation loss; last.pt always), then summary.json.
#include <nlohmann/json.hpp>

#include "tl/experiment.hpp"

namespace tl {

struct TrainingOptions {
  bool overwrite = false;  // replace a previous run in the run directory instead of refusing
};

// Returns the summary it wrote. Throws tl::Error on bad data, backbone or settings, and before any
// work when the run directory already holds a run and `overwrite` is not set.
nlohmann::json train(const Experiment& experiment, const TrainingOptions& options = {});

}  // namespace tl
