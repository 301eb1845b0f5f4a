#pragma once
// Running a sweep unattended: each variant is trained and evaluated by tl-train and tl-eval in a
// process of its own (its output in <sweep>/logs/), so a variant that fails or crashes is recorded
// with its error and the sweep goes on. Variants share the feature cache, so a grid over heads or
// learning rates runs the backbone once. Results are rewritten after every variant; --resume skips
// the variants an interrupted sweep finished.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tl/sweep/sweep.hpp"
#include "tl/sweep/sweep_results.hpp"

namespace tl {

struct SweepOptions {
  std::filesystem::path train_program, eval_program;
  bool resume = false;     // skip variants already finished with the same config
  bool overwrite = false;  // start again over an earlier sweep's runs
  int ranks = 1;           // each tl-train and tl-eval runs as this many ranks (--nproc)
  std::vector<Gate> extra_gates;
};

struct SweepOutcome {
  std::vector<VariantResult> results;  // ranked
  int failed_variants = 0;
  int resumed_variants = 0;
  std::vector<std::string> missed_gates;
};

// `report` receives one line per event (a variant started, finished, failed or was skipped).
// Throws tl::Error before running anything when the sweep directory holds an earlier sweep and
// neither resume nor overwrite is set.
SweepOutcome run_sweep(const Sweep& sweep, const SweepOptions& options,
                       const std::function<void(const std::string&)>& report);

}  // namespace tl
