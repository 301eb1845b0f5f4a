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
    grid.push_back({{"l2", trial.l2},
                    {"score", trial.score},
                    {"val_loss", trial.validation_loss},
                    {"val_accuracy", trial.validation_accuracy},
                    {"solver_evaluations", trial.evaluations}});
  }
  return {{"type", "logistic"},
          {"solver", "L-BFGS, full batch, float32"},
          {"standardized", head.standardize},
          {"select_by", name_of(metric)},
          {"l2_grid", grid},
          {"chosen_l2", chosen_l2},
          {"refit_on_train_and_val", refit},
          {"fitted_rows", fitted_rows},
          {"seconds", seconds}};
}

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
  // Single precision, as the features are: twice as fast as double on a CPU, and the solutions agree
  // to the validation figures' last digit.
  const torch::Tensor train_x = train_features.to(torch::kFloat);

  LogisticProbe probe;
  probe.chosen_l2 = head.l2.front();
  std::optional<LogisticFit> chosen;
  Standardisation standardisation = standardisation_of(train_x, head.standardize);
  // With validation images even a single strength is scored on them first: the record then holds
  // the held-out figures that a refit's model no longer can.
  if (has_validation) {
    std::vector<double> strongest_first = head.l2;
    std::sort(strongest_first.rbegin(), strongest_first.rend());
    const torch::Tensor x = standardisation.apply(train_x);
    const torch::Tensor validation_x = standardisation.apply(validation_features.to(torch::kFloat));
    std::optional<LogisticFit> previous;
    size_t best_index = 0;
    for (const double l2 : strongest_first) {
      LogisticFit fit = [&] {
        torch::AutoGradMode solving(true);
        return fit_logistic_regression(x, train_labels, classes, l2, head.max_iterations, class_weights,
                                       previous ? &*previous : nullptr);
      }();
      const torch::Tensor logits = logits_of(fit, validation_x);
      L2Trial trial{l2, selection_score(logits, validation_labels, metric),
                    torch::nn::functional::cross_entropy(logits, validation_labels).item<double>(),
                    selection_score(logits, validation_labels, SelectionMetric::accuracy), fit.evaluations};
      const L2Trial* best = probe.trials.empty() ? nullptr : &probe.trials[best_index];
      if (best == nullptr || trial.score > best->score ||
          (trial.score == best->score && trial.validation_loss < best->validation_loss)) {
        best_index = probe.trials.size();
        chosen = fit;
        probe.chosen_l2 = l2;
        probe.held_out_logits = logits.to(torch::kFloat).contiguous();
      }
      probe.trials.push_back(trial);
      previous = std::move(fit);
    }
  }
  torch::Tensor fit_x = train_x, fit_labels = train_labels;
  if (refit && has_validation) {
    fit_x = torch::cat({train_x, validation_features.to(torch::kFloat)});
    fit_labels = torch::cat({train_labels, validation_labels});
  }
  if (!chosen || refit) {
    standardisation = standardisation_of(fit_x, head.standardize);
    torch::AutoGradMode solving(true);
    chosen = fit_logistic_regression(standardisation.apply(fit_x), fit_labels, classes, probe.chosen_l2,
                                     head.max_iterations, class_weights, chosen ? &*chosen : nullptr);
  }
  probe.refit = refit && has_validation;
  probe.fitted_rows = fit_x.size(0);
  // logits = ((x - mean) / scale) W^T + b = x (W / scale)^T + (b - (W / scale) mean)
  const torch::Tensor weight = chosen->weight / standardisation.scale;
  probe.weight = weight.to(torch::kFloat);
  probe.bias = (chosen->bias - torch::mv(weight, standardisation.mean)).to(torch::kFloat);
  probe.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return probe;
}

}  // namespace tl
