#pragma once
// How the head (and, with fine-tuning, the top of the backbone) is trained: the `train` section.
#include <array>
#include <string>
#include <vector>

#include "tl/config/augmentation_options.hpp"

namespace tl {

enum class OptimizerKind { sgd, adam, adamw };
inline constexpr std::array kOptimizerKinds{OptimizerKind::sgd, OptimizerKind::adam, OptimizerKind::adamw};
const char* name_of(OptimizerKind kind);

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::adam;
  double lr = 1e-3;
  double momentum = 0.9;  // sgd only
  bool nesterov = false;  // sgd only
  double weight_decay = 0.0;
};

enum class ScheduleKind { constant, step, cosine };
inline constexpr std::array kScheduleKinds{ScheduleKind::constant, ScheduleKind::step, ScheduleKind::cosine};
const char* name_of(ScheduleKind kind);

struct ScheduleConfig {
  ScheduleKind kind = ScheduleKind::cosine;
  int step_size = 10;          // step: epochs between decays
  double gamma = 0.1;          // step: decay factor
  double warmup_epochs = 0.0;  // linear rise from 0 to the base rate first; the schedule follows
};

// frozen: BatchNorm layers keep their running statistics; train: those in unfrozen blocks use batch
// statistics and update them.
enum class BatchNormPolicy { frozen, train };
inline constexpr std::array kBatchNormPolicies{BatchNormPolicy::frozen, BatchNormPolicy::train};
const char* name_of(BatchNormPolicy policy);

// Stage two of a staged recipe (fastai's fine_tune, the lesson's unfreeze-after-head): after
// train.epochs on the frozen backbone, the chosen top of the backbone trains with the head.
struct FineTuneConfig {
  int epochs = 0;  // 0 = no fine-tuning
  // What to unfreeze: the last N blocks of the backbone (see tl/features/parameter_selection.hpp),
  // or parameter-name patterns ('*' matches anything; a pattern that names a module takes all of it).
  int unfreeze_blocks = 0;
  std::vector<std::string> unfreeze;
  double lr = 0;                        // the head's rate in this stage (default: train.optimizer.lr / 10)
  double backbone_lr_multiplier = 0.1;  // the backbone's rate = this x the head's
  BatchNormPolicy bn = BatchNormPolicy::frozen;
  // Compute the activations entering the first unfrozen block once per image (and cached view), and
  // run only the unfrozen blocks each step, where the backbone allows (Backbone::split_frozen_prefix).
  // With augmentation, epoch e then sees cached view e % views, as the head stage does, instead of a
  // fresh view. false: the whole backbone runs every step (fresh views).
  bool cache_prefix = true;

  bool enabled() const { return epochs > 0; }
};

// none: every sample weighs the same; balanced: loss weights inversely proportional to class size.
enum class ClassWeighting { none, balanced };
inline constexpr std::array kClassWeightings{ClassWeighting::none, ClassWeighting::balanced};
const char* name_of(ClassWeighting weighting);

// shuffle: every image once per epoch; balanced: as many draws per epoch, with replacement, each
// class equally likely (for imbalanced data).
enum class Sampling { shuffle, balanced };
inline constexpr std::array kSamplings{Sampling::shuffle, Sampling::balanced};
const char* name_of(Sampling sampling);

// What the logistic head's L2 strength is chosen by on the held-out images: top-1 accuracy, the mean
// of the per-class accuracies (which weighs a rare class as much as a common one), or the log loss
// (which, unlike a count of right answers, still tells strengths apart when they differ by an image).
enum class SelectionMetric { accuracy, mean_per_class_accuracy, log_loss };
inline constexpr std::array kSelectionMetrics{SelectionMetric::accuracy, SelectionMetric::mean_per_class_accuracy,
                                              SelectionMetric::log_loss};
const char* name_of(SelectionMetric metric);

// Which epoch of a head or fine-tuning stage becomes best.pt: the lowest validation loss, or the
// highest validation accuracy with accuracies within one image of each other counted as tied and
// broken by the loss (so that one image of a small validation split does not pick an undertrained
// head). Without a validation split, the lowest training loss either way.
enum class EpochSelection { val_loss, val_accuracy };
inline constexpr std::array kEpochSelections{EpochSelection::val_loss, EpochSelection::val_accuracy};
const char* name_of(EpochSelection selection);

struct TrainConfig {
  int epochs = 10;
  int batch_size = 64;
  OptimizerConfig optimizer;
  ScheduleConfig schedule;
  double label_smoothing = 0.0;
  double clip_grad_norm = 0.0;  // clip the trained parameters' gradient to this L2 norm; 0 = off
  ClassWeighting class_weights = ClassWeighting::none;
  Sampling sampling = Sampling::shuffle;
  Augmentation augmentation;  // train split only
  FineTuneConfig fine_tune;
  // Stop after `patience` epochs in which the validation loss (training loss without a validation
  // split) did not fall below its lowest value by more than min_delta; patience 0 = off.
  int early_stopping_patience = 0;
  EpochSelection select_epoch_by = EpochSelection::val_loss;
  double early_stopping_min_delta = 0.0;
  // Logistic head only: the metric that chooses the L2 strength, and whether the chosen strength is
  // then fitted again on training and validation images together (default: yes, unless fine-tuning
  // follows, which needs held-out images to choose its best epoch).
  SelectionMetric select_by = SelectionMetric::accuracy;
  bool refit = false;
  // Logistic head only: 0 chooses the L2 strength on the validation split; K >= 2 by K-fold
  // cross-validation over the images the head is fitted on (training, and validation too with refit).
  int folds = 0;
};

}  // namespace tl
