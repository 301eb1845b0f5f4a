#include "tl/train/logistic_probe.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include <torch/torch.h>

#include "tl/base/error.hpp"

namespace tl {
namespace {

struct Standardisation {
  torch::Tensor mean, scale;  // [D]; scale 1 where a feature is constant
  torch::Tensor apply(const torch::Tensor& features) const { return (features - mean) / scale; }
};

Standardisation standardisation_of(const torch::Tensor& features, bool standardize) {
  const auto options = features.options();
  if (!standardize) return {torch::zeros({features.size(1)}, options), torch::ones({features.size(1)}, options)};
  const torch::Tensor mean = features.mean(0);
  const torch::Tensor deviation = features.std(0, /*unbiased=*/false);
  return {mean, torch::where(deviation > 1e-12, deviation, torch::ones_like(deviation))};
}

// The solver's many small operations (L-BFGS's two-loop recursion over 20 pairs of vectors the size
// of the weights, the softmax of a few hundred rows) run faster on one OpenMP thread than on a team
// forked for each, whose spinning threads also slowed the BLAS threads of the products (OpenBLAS
// keeps its own, which this leaves alone). Oxford breeds on 2 cores: 7.5 s -> 2.7 s for the 15
// strengths on a validation split, 34 s -> 10 s with 5 folds. Restores the count on the way out.
class OneIntraOpThread {
 public:
  OneIntraOpThread() : previous_(torch::get_num_threads()) { torch::set_num_threads(1); }
  ~OneIntraOpThread() { torch::set_num_threads(previous_); }
  OneIntraOpThread(const OneIntraOpThread&) = delete;
  OneIntraOpThread& operator=(const OneIntraOpThread&) = delete;

 private:
  int previous_;
};

torch::Tensor logits_of(const LogisticFit& fit, const torch::Tensor& features) {
  return torch::addmm(fit.bias, features, fit.weight.t());
}

}  // namespace

LogisticFit fit_logistic_regression(const torch::Tensor& features, const torch::Tensor& labels, int64_t classes,
                                    double l2, int max_iterations, const torch::Tensor& class_weights,
                                    const LogisticFit* start) {
  const auto options = features.options();
  torch::Tensor weight =
      start != nullptr ? start->weight.detach().clone() : torch::zeros({classes, features.size(1)}, options);
  torch::Tensor bias = start != nullptr ? start->bias.detach().clone() : torch::zeros({classes}, options);
  weight.set_requires_grad(true);
  bias.set_requires_grad(true);
  // Convergence is judged on the gradient's largest entry and on the objective's change between
  // iterations; both bounds sit far below what moves a prediction.
  torch::optim::LBFGS solver({weight, bias}, torch::optim::LBFGSOptions(1.0)
                                                 .max_iter(max_iterations)
                                                 .max_eval(max_iterations * 5 / 4 + 1)
                                                 .tolerance_grad(1e-6)
                                                 .tolerance_change(1e-12)
                                                 .history_size(20)
                                                 .line_search_fn("strong_wolfe"));
  torch::nn::functional::CrossEntropyFuncOptions loss_options;
  if (class_weights.defined()) loss_options.weight(class_weights.to(features.options()));
  const auto objective_of = [&](const torch::Tensor& w, const torch::Tensor& b) {
    return torch::nn::functional::cross_entropy(torch::addmm(b, features, w.t()), labels, loss_options) +
           0.5 * l2 * w.pow(2).sum();
  };
  int evaluations = 0;
  const auto objective = [&] {
    solver.zero_grad();
    torch::Tensor loss = objective_of(weight, bias);
    loss.backward();
    ++evaluations;
    return loss;
  };
  solver.step(objective);
  LogisticFit fit{weight.detach(), bias.detach(), 0, evaluations};
  torch::NoGradGuard no_grad;
  fit.objective = objective_of(fit.weight, fit.bias).item<double>();
  if (!std::isfinite(fit.objective)) {
    throw Error("the logistic head's fit diverged (objective " + std::to_string(fit.objective) + " at l2 " +
                std::to_string(l2) + "); are the features finite?");
  }
  return fit;
}

double selection_score(const torch::Tensor& logits, const torch::Tensor& labels, SelectionMetric metric) {
  if (labels.numel() == 0) return 0;
  if (metric == SelectionMetric::log_loss) {
    return -torch::nn::functional::cross_entropy(logits.to(torch::kDouble), labels).item<double>();
  }
  const torch::Tensor correct = logits.argmax(1).eq(labels).to(torch::kDouble);
  if (metric == SelectionMetric::accuracy) return correct.mean().item<double>();
  const int64_t classes = logits.size(1);
  const torch::Tensor hits = torch::zeros({classes}, correct.options()).index_add_(0, labels, correct);
  const torch::Tensor support =
      torch::zeros({classes}, correct.options()).index_add_(0, labels, torch::ones_like(correct));
  const torch::Tensor present = support > 0;
  return (hits.index({present}) / support.index({present})).mean().item<double>();
}

nlohmann::json LogisticProbe::to_json(const HeadConfig& head, SelectionMetric metric) const {
  nlohmann::json grid = nlohmann::json::array();
  for (const L2Trial& trial : trials) {
    nlohmann::json entry = {{"l2", trial.l2},
                            {"score", trial.score},
                            {"val_loss", trial.validation_loss},
                            {"val_accuracy", trial.validation_accuracy},
                            {"solver_evaluations", trial.evaluations}};
    if (!trial.fold_scores.empty()) entry["fold_scores"] = trial.fold_scores;
    grid.push_back(std::move(entry));
  }
  return {{"type", "logistic"},
          {"solver", "L-BFGS, full batch, float32"},
          {"standardized", head.standardize},
          {"select_by", name_of(metric)},
          {"chosen_on", folds > 0 ? std::to_string(folds) + " folds, out-of-fold" : std::string("validation split")},
          {"folds", folds},
          {"l2_grid", grid},
          {"chosen_l2", chosen_l2},
          {"refit_on_train_and_val", refit},
          {"fitted_rows", fitted_rows},
          {"seconds", seconds}};
}

namespace {

// The rows one fit leaves out, and what that fit learns from: the others, standardised by their own
// statistics (the held-out rows must not shape the fit that scores them).
struct HeldOutSet {
  torch::Tensor held_out;  // row indices
  torch::Tensor fit_x, fit_labels, held_out_x;
  Standardisation standardisation;
};

std::vector<HeldOutSet> held_out_sets(const torch::Tensor& x, const torch::Tensor& labels,
                                      const std::vector<torch::Tensor>& held_out_rows, bool standardize) {
  std::vector<HeldOutSet> sets;
  for (const torch::Tensor& rows : held_out_rows) {
    const torch::Tensor kept = torch::ones({x.size(0)}, torch::TensorOptions().dtype(torch::kBool).device(x.device()))
                                   .index_fill_(0, rows, false);
    const torch::Tensor fit_x = x.index({kept});
    HeldOutSet set{rows, fit_x, labels.index({kept}), {}, standardisation_of(fit_x, standardize)};
    set.fit_x = set.standardisation.apply(fit_x);
    set.held_out_x = set.standardisation.apply(x.index_select(0, rows));
    sets.push_back(std::move(set));
  }
  return sets;
}

struct StrengthChoice {
  std::vector<L2Trial> trials;
  double chosen_l2 = 0;
  torch::Tensor held_out_logits;  // the chosen strength's, rows ascending
  // The chosen strength's fit without the first set, in that fit's standardisation: a warm start
  // for the final fit, and the final fit itself when the held-out rows are not fitted again.
  std::optional<LogisticFit> first_fit;
  Standardisation first_standardisation;
};

// Every strength, strongest first (each fit warm-starting the next weaker one's of the same set),
// scored on all sets' held-out rows pooled; ties go to the lower held-out loss.
StrengthChoice choose_strength(const torch::Tensor& x, const torch::Tensor& labels,
                               const std::vector<torch::Tensor>& held_out_rows, int64_t classes, const HeadConfig& head,
                               SelectionMetric metric, const torch::Tensor& class_weights) {
  const std::vector<HeldOutSet> sets = held_out_sets(x, labels, held_out_rows, head.standardize);
  const torch::Tensor pooled = torch::cat(held_out_rows);
  const torch::Tensor ascending = pooled.argsort();
  const torch::Tensor pooled_labels = labels.index_select(0, pooled);
  std::vector<double> strongest_first = head.l2;
  std::sort(strongest_first.rbegin(), strongest_first.rend());
  std::vector<std::optional<LogisticFit>> previous(sets.size());
  StrengthChoice choice;
  L2Trial best;
  for (const double l2 : strongest_first) {
    L2Trial trial{l2, 0, 0, 0, 0, {}};
    std::vector<torch::Tensor> logits;
    for (size_t index = 0; index < sets.size(); ++index) {
      const HeldOutSet& set = sets[index];
      {
        torch::AutoGradMode solving(true);
        previous[index] = fit_logistic_regression(set.fit_x, set.fit_labels, classes, l2, head.max_iterations,
                                                  class_weights, previous[index] ? &*previous[index] : nullptr);
      }
      trial.evaluations += previous[index]->evaluations;
      logits.push_back(logits_of(*previous[index], set.held_out_x));
      if (sets.size() > 1) {
        trial.fold_scores.push_back(selection_score(logits.back(), labels.index_select(0, set.held_out), metric));
      }
    }
    const torch::Tensor pooled_logits = torch::cat(logits);
    trial.score = selection_score(pooled_logits, pooled_labels, metric);
    trial.validation_loss = torch::nn::functional::cross_entropy(pooled_logits, pooled_labels).item<double>();
    trial.validation_accuracy = selection_score(pooled_logits, pooled_labels, SelectionMetric::accuracy);
    if (choice.trials.empty() || trial.score > best.score ||
        (trial.score == best.score && trial.validation_loss < best.validation_loss)) {
      best = trial;
      choice.chosen_l2 = l2;
      choice.held_out_logits = pooled_logits.index_select(0, ascending).to(torch::kFloat).contiguous();
      choice.first_fit = previous.front();
      choice.first_standardisation = sets.front().standardisation;
    }
    choice.trials.push_back(std::move(trial));
  }
  return choice;
}

// The probe's head: `fit`, made in `standardisation`, folded into weights on raw features.
void set_head(LogisticProbe& probe, const LogisticFit& fit, const Standardisation& standardisation) {
  // logits = ((x - mean) / scale) W^T + b = x (W / scale)^T + (b - (W / scale) mean)
  const torch::Tensor weight = fit.weight / standardisation.scale;
  probe.weight = weight.to(torch::kFloat);
  probe.bias = (fit.bias - torch::mv(weight, standardisation.mean)).to(torch::kFloat);
}

// The probe's final fit on `x`, standardised over its rows.
void fit_final(LogisticProbe& probe, const torch::Tensor& x, const torch::Tensor& labels, int64_t classes,
               const HeadConfig& head, const torch::Tensor& class_weights, const LogisticFit* start) {
  const Standardisation standardisation = standardisation_of(x, head.standardize);
  LogisticFit fit = [&] {
    torch::AutoGradMode solving(true);
    return fit_logistic_regression(standardisation.apply(x), labels, classes, probe.chosen_l2, head.max_iterations,
                                   class_weights, start);
  }();
  probe.fitted_rows = x.size(0);
  set_head(probe, fit, standardisation);
}

}  // namespace

LogisticProbe fit_logistic_probe(const torch::Tensor& train_features, const torch::Tensor& train_labels,
                                 const torch::Tensor& validation_features, const torch::Tensor& validation_labels,
                                 int64_t classes, const HeadConfig& head, SelectionMetric metric, bool refit,
                                 const torch::Tensor& class_weights) {
  const auto started = std::chrono::steady_clock::now();
  if (head.l2.empty()) throw Error("the logistic head needs at least one L2 strength");
  const bool has_validation = validation_labels.defined() && validation_labels.numel() > 0;
  if (head.l2.size() > 1 && !has_validation) {
    throw Error(
        "no validation images to choose the logistic head's L2 strength by (give data.val_fraction > 0, "
        "or one value in model.head.l2)");
  }
  torch::NoGradGuard outside_the_solver;
  const OneIntraOpThread one_thread;
  // Single precision, as the features are: twice as fast as double on a CPU, and the solutions agree
  // to the validation figures' last digit.
  const torch::Tensor train_x = train_features.to(torch::kFloat);
  LogisticProbe probe;
  probe.chosen_l2 = head.l2.front();
  if (!has_validation) {
    fit_final(probe, train_x, train_labels, classes, head, class_weights, nullptr);
    probe.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return probe;
  }
  // With validation images even a single strength is scored on them first: the record then holds
  // the held-out figures that a refit's model no longer can.
  const torch::Tensor x = torch::cat({train_x, validation_features.to(torch::kFloat)});
  const torch::Tensor labels = torch::cat({train_labels, validation_labels});
  const int64_t train_rows = train_x.size(0);
  const torch::Tensor validation_rows =
      torch::arange(train_rows, x.size(0), torch::TensorOptions().dtype(torch::kLong).device(x.device()));
  StrengthChoice choice = choose_strength(x, labels, {validation_rows}, classes, head, metric, class_weights);
  probe.trials = std::move(choice.trials);
  probe.chosen_l2 = choice.chosen_l2;
  probe.held_out_logits = std::move(choice.held_out_logits);
  probe.refit = refit;
  if (refit) {
    fit_final(probe, x, labels, classes, head, class_weights, &*choice.first_fit);
  } else {
    // The chosen trial's own model, fitted on the training rows alone.
    probe.fitted_rows = train_rows;
    set_head(probe, *choice.first_fit, choice.first_standardisation);
  }
  probe.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return probe;
}

LogisticProbe fit_logistic_probe_k_fold(const torch::Tensor& features, const torch::Tensor& labels,
                                        const std::vector<int>& fold_of_row, int folds, int64_t classes,
                                        const HeadConfig& head, SelectionMetric metric,
                                        const torch::Tensor& class_weights) {
  const auto started = std::chrono::steady_clock::now();
  if (head.l2.empty()) throw Error("the logistic head needs at least one L2 strength");
  if (static_cast<int64_t>(fold_of_row.size()) != features.size(0)) {
    throw Error("k-fold: " + std::to_string(fold_of_row.size()) + " fold numbers for " +
                std::to_string(features.size(0)) + " rows");
  }
  torch::NoGradGuard outside_the_solver;
  const OneIntraOpThread one_thread;
  const torch::Tensor x = features.to(torch::kFloat);
  std::vector<std::vector<int64_t>> members(static_cast<size_t>(folds));
  for (size_t row = 0; row < fold_of_row.size(); ++row) {
    if (fold_of_row[row] < 0 || fold_of_row[row] >= folds) {
      throw Error("k-fold: row " + std::to_string(row) + " is in fold " + std::to_string(fold_of_row[row]) +
                  ", outside 0.." + std::to_string(folds - 1));
    }
    members[static_cast<size_t>(fold_of_row[row])].push_back(static_cast<int64_t>(row));
  }
  std::vector<torch::Tensor> held_out_rows;
  for (const std::vector<int64_t>& rows : members) {
    if (rows.empty()) continue;
    held_out_rows.push_back(torch::tensor(rows, torch::TensorOptions().dtype(torch::kLong)).to(x.device()));
  }
  if (held_out_rows.size() < 2) throw Error("k-fold needs rows in at least two folds");
  StrengthChoice choice = choose_strength(x, labels, held_out_rows, classes, head, metric, class_weights);
  LogisticProbe probe;
  probe.trials = std::move(choice.trials);
  probe.chosen_l2 = choice.chosen_l2;
  probe.held_out_logits = std::move(choice.held_out_logits);
  probe.folds = folds;
  fit_final(probe, x, labels, classes, head, class_weights, &*choice.first_fit);
  probe.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return probe;
}

}  // namespace tl
