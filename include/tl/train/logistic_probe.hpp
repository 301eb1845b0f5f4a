#pragma once
// The logistic probe: multinomial logistic regression on frozen features, each fit solved to
// convergence by full-batch L-BFGS (in single precision), the L2 strength chosen on held-out
// validation features (the linear-probe protocol of Kornblith et al. 2019 and CLIP), then optionally
// fitted again on training and validation features together. Features may be standardised by the
// fitted rows' mean and standard deviation; the result folds that into the weights, so it is a
// plain linear layer on raw features.
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "tl/config/model_options.hpp"
#include "tl/config/train_options.hpp"

namespace tl {

struct LogisticFit {
  torch::Tensor weight, bias;  // [classes, D], [classes], in the fitted (maybe standardised) space
  double objective = 0;        // mean cross-entropy + l2/2 |W|^2 at the solution
  int evaluations = 0;         // loss-and-gradient evaluations the solver made
};

// One fit of logistic regression with penalty l2/2 |W|^2 on features [n, D] and labels [n], in the
// features' precision. `class_weights` [classes] (may be undefined) weigh each class's loss as
// train.class_weights does for the other heads. `start` (may be null) warm-starts the solver, e.g.
// from the neighbouring L2 strength.
LogisticFit fit_logistic_regression(const torch::Tensor& features, const torch::Tensor& labels, int64_t classes,
                                    double l2, int max_iterations, const torch::Tensor& class_weights = {},
                                    const LogisticFit* start = nullptr);

// The selection metric of logits [n, C], higher is better: top-1 accuracy, mean per-class accuracy
// (over the classes present in `labels`), or minus the mean log loss.
double selection_score(const torch::Tensor& logits, const torch::Tensor& labels, SelectionMetric metric);

struct L2Trial {
  double l2 = 0;
  double score = 0;  // selection_score on the held-out rows (pooled over folds)
  double validation_loss = 0;
  double validation_accuracy = 0;
  int evaluations = 0;
  std::vector<double> fold_scores;  // k-fold only: the metric on each fold alone
};

struct LogisticProbe {
  torch::Tensor weight, bias;   // float32, on raw features: logits = x W^T + b
  std::vector<L2Trial> trials;  // in the order tried (strongest penalty first); empty without validation
  double chosen_l2 = 0;
  bool refit = false;
  int folds = 0;  // 0: chosen on the validation rows; K: on K folds of the fitted rows
  int64_t fitted_rows = 0;
  double seconds = 0;
  // The chosen strength's logits for the rows it was chosen on, each from a fit that did not see
  // it (float32, held_out_rows x classes; undefined without a choice): the validation rows in order,
  // or with k-fold every fitted row. They tell what the final fit on all rows no longer can, such as
  // how confident the head should be (tl/eval/temperature_scaling.hpp) or which labels look wrong.
  torch::Tensor held_out_logits;

  // The summary's record: grid, each strength's held-out figures, the choice.
  nlohmann::json to_json(const HeadConfig& head, SelectionMetric metric) const;
};

// Chooses the L2 strength among head.l2 by `metric` on the validation features (ties: the lower
// validation loss) and returns the final fit; with `refit`, on train and validation rows together.
// Validation may be empty only when head.l2 holds one value. Tensors may be on any device; the result
// is on theirs.
LogisticProbe fit_logistic_probe(const torch::Tensor& train_features, const torch::Tensor& train_labels,
                                 const torch::Tensor& validation_features, const torch::Tensor& validation_labels,
                                 int64_t classes, const HeadConfig& head, SelectionMetric metric, bool refit,
                                 const torch::Tensor& class_weights = {});

// The same choice by K-fold cross-validation, for data too small for one validation split to rank
// strengths (a few dozen images score two strengths an image apart by chance): row i belongs to fold
// fold_of_row[i] in 0..folds-1 (all rows of one image in one fold); each strength is fitted once
// without each fold and scored on the pooled out-of-fold logits; the chosen strength is then fitted
// on every row.
LogisticProbe fit_logistic_probe_k_fold(const torch::Tensor& features, const torch::Tensor& labels,
                                        const std::vector<int>& fold_of_row, int folds, int64_t classes,
                                        const HeadConfig& head, SelectionMetric metric,
                                        const torch::Tensor& class_weights = {});

}  // namespace tl
