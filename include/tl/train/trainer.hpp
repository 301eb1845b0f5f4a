#pragma once
// Training a head on a frozen backbone, end to end: dataset and split, backbone features computed
// once (TrainingFeatures), head epochs on those features (HeadStage) and optionally fine-tuning of the
// backbone's top (FineTuneStage), metrics and checkpoints written to the run directory after every
// epoch (best.pt by validation accuracy, ties broken by validation loss; last.pt always, with the
// TrainingState), then summary.json. Optional: linear warmup, gradient clipping, balanced class
// weights, early stopping. After an interrupt (Ctrl-C, see interruption.hpp) it stops at the end of
// the epoch and throws tl::Interrupted; resume continues.
#include <functional>

#include "tl/config/experiment.hpp"
#include "tl/dist/process_group.hpp"
#include "tl/run/run_summary.hpp"

namespace tl {

struct TrainingOptions {
  bool overwrite = false;  // replace a previous run in the run directory instead of refusing
  // Continue the run in the directory from last.pt: head, optimizer state, CPU generator state and
  // epoch (so the schedule position) are restored, metrics after last.pt's epoch are dropped, and
  // the result matches an uninterrupted run with the same seed.
  bool resume = false;
  // Called after each epoch's metrics line and checkpoints are written, with that line: for
  // programs that embed the trainer (progress, or request_interrupt() to stop it after the epoch).
  std::function<void(const EpochMetrics& metrics)> on_epoch_end;
  // Called after each training batch of an epoch (`epoch` counts from 1): for progress in programs
  // that embed the trainer; request_interrupt() here stops a fine-tuning epoch before its next batch.
  std::function<void(int epoch, int64_t batches_done, int64_t batches)> on_batch_end;
  // The ranks this run is divided between (null: this process alone). Each rank computes its share of
  // the backbone passes and of every batch, gradients are summed across ranks (data parallel), and
  // only the writing rank (0) touches the run directory; every rank must call train() alike.
  ProcessGroup* group = nullptr;
  // How the run was started, recorded in summary.json with tl's version and commit.
  std::string command_line;
};

// Returns the summary it wrote. Throws tl::Error on bad data, backbone or settings, and before any
// work when the run directory already holds a run and `overwrite` is not set.
RunSummary train(const Experiment& experiment, const TrainingOptions& options = {});

}  // namespace tl
