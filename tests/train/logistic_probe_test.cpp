// The logistic probe's solver and L2 choice on synthetic features: the optimality condition holds at
// the returned weights, the penalty shrinks them, standardisation makes the fit blind to feature
// scales (and is folded into weights that act on raw features), the choice follows the validation
// scores, and a refit uses the validation rows too.
#include "tl/train/logistic_probe.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "tl/base/error.hpp"

namespace {

struct Blobs {
  torch::Tensor features, labels;
};

// `classes` Gaussian blobs in `dim` dimensions, overlapping enough that no weights separate them.
Blobs blobs(int64_t rows, int64_t dim, int64_t classes, uint64_t seed, double spread = 1.5) {
  auto generator = at::detail::createCPUGenerator(seed);
  const torch::Tensor centres = torch::randn({classes, dim}, generator, torch::kDouble);
  const torch::Tensor labels = torch::arange(rows, torch::kInt64).remainder(classes);
  const torch::Tensor noise = spread * torch::randn({rows, dim}, generator, torch::kDouble);
  return {centres.index_select(0, labels) + noise, labels};
}

// The gradient of mean cross-entropy + l2/2 |W|^2 at (weight, bias).
torch::Tensor objective_gradient(const Blobs& data, const tl::LogisticFit& fit, double l2) {
  torch::Tensor weight = fit.weight.clone().set_requires_grad(true);
  torch::Tensor bias = fit.bias.clone().set_requires_grad(true);
  const torch::Tensor loss =
      torch::nn::functional::cross_entropy(torch::addmm(bias, data.features, weight.t()), data.labels) +
      0.5 * l2 * weight.pow(2).sum();
  loss.backward();
  return torch::cat({weight.grad().flatten(), bias.grad()});
}

TEST(LogisticRegression, GradientVanishesAtTheSolution) {
  const Blobs data = blobs(120, 6, 3, 1);
  for (const double l2 : {1e-3, 0.1}) {
    const tl::LogisticFit fit = tl::fit_logistic_regression(data.features, data.labels, 3, l2, 500);
    EXPECT_LT(objective_gradient(data, fit, l2).abs().max().item<double>(), 1e-5) << "l2 " << l2;
    EXPECT_GT(fit.evaluations, 1);
  }
}

TEST(LogisticRegression, AStrongerPenaltyGivesSmallerWeights) {
  const Blobs data = blobs(90, 5, 3, 2);
  double previous_norm = std::numeric_limits<double>::infinity();
  for (const double l2 : {1e-4, 1e-2, 1.0}) {
    const double norm =
        tl::fit_logistic_regression(data.features, data.labels, 3, l2, 500).weight.norm().item<double>();
    EXPECT_LT(norm, previous_norm) << "l2 " << l2;
    previous_norm = norm;
  }
}

TEST(LogisticRegression, AWarmStartReachesTheSameSolutionInFewerEvaluations) {
  const Blobs data = blobs(120, 6, 3, 3);
  const tl::LogisticFit cold = tl::fit_logistic_regression(data.features, data.labels, 3, 0.01, 500);
  const tl::LogisticFit near = tl::fit_logistic_regression(data.features, data.labels, 3, 0.012, 500);
  const tl::LogisticFit warm = tl::fit_logistic_regression(data.features, data.labels, 3, 0.01, 500, {}, &near);
  EXPECT_TRUE(torch::allclose(warm.weight, cold.weight, 1e-4, 1e-4));
  EXPECT_LT(warm.evaluations, cold.evaluations);
}

TEST(LogisticRegression, ClassWeightsRaiseTheRareClassesRecall) {
  // Nine of ten rows in class 0, the blobs overlapping: unweighted, the rare class is mostly lost.
  Blobs data = blobs(200, 4, 2, 10, 2.5);
  const torch::Tensor keep = (data.labels == 0).logical_or(torch::arange(200).remainder(18) == 1);
  data = {data.features.index({keep}), data.labels.index({keep})};
  const auto rare_recall = [&](const tl::LogisticFit& fit) {
    const torch::Tensor predicted = torch::addmm(fit.bias, data.features, fit.weight.t()).argmax(1);
    const torch::Tensor rare = data.labels == 1;
    return predicted.index({rare}).eq(1).to(torch::kDouble).mean().item<double>();
  };
  const tl::LogisticFit plain = tl::fit_logistic_regression(data.features, data.labels, 2, 0.01, 500);
  const torch::Tensor weights = torch::tensor({0.55, 5.5}, torch::kDouble);
  const tl::LogisticFit weighted = tl::fit_logistic_regression(data.features, data.labels, 2, 0.01, 500, weights);
  EXPECT_GT(rare_recall(weighted), rare_recall(plain) + 0.2);
}

TEST(SelectionScore, MeanPerClassAccuracyWeighsEachClassAlike) {
  // Three of class 0 right, the one of class 1 wrong: 75% top-1, (100% + 0%) / 2 per class.
  const torch::Tensor logits = torch::tensor({{1.0, 0.0}, {1.0, 0.0}, {1.0, 0.0}, {1.0, 0.0}}, torch::kDouble);
  const torch::Tensor labels = torch::tensor({0, 0, 0, 1}, torch::kInt64);
  EXPECT_DOUBLE_EQ(tl::selection_score(logits, labels, tl::SelectionMetric::accuracy), 0.75);
  EXPECT_DOUBLE_EQ(tl::selection_score(logits, labels, tl::SelectionMetric::mean_per_class_accuracy), 0.5);
  // Minus the mean log loss: three rows at -log(e / (e + 1)), one at -log(1 / (e + 1)).
  const double expected = -(3 * std::log1p(std::exp(-1.0)) + std::log1p(std::exp(1.0))) / 4;
  EXPECT_NEAR(tl::selection_score(logits, labels, tl::SelectionMetric::log_loss), expected, 1e-12);
}

tl::HeadConfig logistic(std::vector<double> l2, bool standardize = true) {
  tl::HeadConfig head;
  head.type = tl::HeadType::logistic;
  head.l2 = std::move(l2);
  head.standardize = standardize;
  return head;
}

TEST(LogisticProbe, ChoosesTheStrengthWithTheBestValidationScore) {
  // Few rows in many dimensions: the weakest penalties overfit.
  const Blobs train = blobs(40, 60, 4, 4, 3.0), validation = blobs(200, 60, 4, 4, 3.0);
  const std::vector<double> grid{1e-5, 1e-3, 1e-1, 10.0};
  const tl::LogisticProbe probe =
      tl::fit_logistic_probe(train.features, train.labels, validation.features, validation.labels, 4, logistic(grid),
                             tl::SelectionMetric::accuracy, false);
  ASSERT_EQ(probe.trials.size(), grid.size());
  EXPECT_EQ(probe.trials.front().l2, 10.0);  // strongest first, each warm-starting the next
  const auto best = std::max_element(probe.trials.begin(), probe.trials.end(), [](const auto& a, const auto& b) {
    return a.score < b.score || (a.score == b.score && a.validation_loss > b.validation_loss);
  });
  EXPECT_EQ(probe.chosen_l2, best->l2);
  EXPECT_EQ(probe.fitted_rows, 40);
  EXPECT_FALSE(probe.refit);
  // Without a refit the result is the chosen trial's model: its validation accuracy is the trial's.
  const torch::Tensor logits = torch::addmm(probe.bias, validation.features.to(torch::kFloat), probe.weight.t());
  EXPECT_NEAR(tl::selection_score(logits, validation.labels, tl::SelectionMetric::accuracy), best->validation_accuracy,
              1.0 / 200);
}

TEST(LogisticProbe, StandardisationMakesTheFitBlindToFeatureScales) {
  const Blobs train = blobs(90, 5, 3, 5), validation = blobs(60, 5, 3, 6);
  const torch::Tensor scale = torch::tensor({100.0, 0.01, 1.0, 10.0, 3.0}, torch::kDouble);
  const torch::Tensor shift = torch::tensor({-7.0, 0.05, 0.0, 2.0, 0.5}, torch::kDouble);
  const auto fit = [&](const torch::Tensor& x, const torch::Tensor& val_x) {
    return tl::fit_logistic_probe(x, train.labels, val_x, validation.labels, 3, logistic({0.01, 0.1}),
                                  tl::SelectionMetric::accuracy, false);
  };
  const tl::LogisticProbe plain = fit(train.features, validation.features);
  const tl::LogisticProbe scaled = fit(train.features * scale + shift, validation.features * scale + shift);
  EXPECT_EQ(plain.chosen_l2, scaled.chosen_l2);
  // Folded into the weights: raw features in, the same logits out.
  const torch::Tensor plain_logits = torch::addmm(plain.bias, validation.features.to(torch::kFloat), plain.weight.t());
  const torch::Tensor scaled_logits = torch::addmm(scaled.bias.to(torch::kDouble), validation.features * scale + shift,
                                                   scaled.weight.to(torch::kDouble).t());
  const torch::Tensor difference =
      torch::softmax(plain_logits.to(torch::kDouble), 1) - torch::softmax(scaled_logits, 1);
  EXPECT_LT(difference.abs().max().item<double>(), 1e-3) << "class probabilities agree";
}

TEST(LogisticProbe, RefitFitsTrainingAndValidationRowsTogether) {
  const Blobs train = blobs(60, 5, 3, 7), validation = blobs(30, 5, 3, 8);
  const tl::LogisticProbe refit =
      tl::fit_logistic_probe(train.features, train.labels, validation.features, validation.labels, 3,
                             logistic({0.01, 1.0}), tl::SelectionMetric::mean_per_class_accuracy, true);
  EXPECT_TRUE(refit.refit);
  EXPECT_EQ(refit.fitted_rows, 90);
  EXPECT_EQ(refit.trials.size(), 2u);
  // The refit is the fit on all rows at the chosen strength, standardised over all of them.
  const torch::Tensor all = torch::cat({train.features, validation.features});
  const tl::LogisticProbe direct =
      tl::fit_logistic_probe(all, torch::cat({train.labels, validation.labels}), torch::Tensor(), torch::Tensor(), 3,
                             logistic({refit.chosen_l2}), tl::SelectionMetric::accuracy, false);
  EXPECT_TRUE(direct.trials.empty());
  EXPECT_TRUE(torch::allclose(refit.weight, direct.weight, 1e-3, 1e-3));
}

TEST(LogisticProbeKFold, ScoresEveryStrengthOutOfFoldAndFitsAllRowsWithTheChoice) {
  const Blobs data = blobs(120, 30, 4, 11, 3.0);
  std::vector<int> fold_of_row(120);
  for (size_t row = 0; row < fold_of_row.size(); ++row) fold_of_row[row] = static_cast<int>((row / 4) % 3);
  const std::vector<double> grid{1e-4, 1e-2, 1.0};
  const tl::LogisticProbe probe = tl::fit_logistic_probe_k_fold(data.features, data.labels, fold_of_row, 3, 4,
                                                                logistic(grid), tl::SelectionMetric::accuracy);
  EXPECT_EQ(probe.folds, 3);
  EXPECT_EQ(probe.fitted_rows, 120);
  ASSERT_EQ(probe.trials.size(), grid.size());
  for (const tl::L2Trial& trial : probe.trials) EXPECT_EQ(trial.fold_scores.size(), 3u);
  const auto best = std::max_element(probe.trials.begin(), probe.trials.end(), [](const auto& a, const auto& b) {
    return a.score < b.score || (a.score == b.score && a.validation_loss > b.validation_loss);
  });
  EXPECT_EQ(probe.chosen_l2, best->l2);
  ASSERT_EQ(probe.held_out_logits.size(0), 120) << "every row is held out once";
  EXPECT_NEAR(tl::selection_score(probe.held_out_logits, data.labels, tl::SelectionMetric::accuracy),
              best->validation_accuracy, 1e-9);

  // Fold 1's rows are scored by a fit on the other folds' rows alone, standardised over them.
  std::vector<int64_t> kept, held_out;
  for (size_t row = 0; row < fold_of_row.size(); ++row)
    (fold_of_row[row] == 1 ? held_out : kept).push_back(static_cast<int64_t>(row));
  const torch::Tensor kept_rows = torch::tensor(kept), held_out_rows = torch::tensor(held_out);
  const tl::LogisticProbe without_fold = tl::fit_logistic_probe(
      data.features.index_select(0, kept_rows), data.labels.index_select(0, kept_rows), torch::Tensor(),
      torch::Tensor(), 4, logistic({probe.chosen_l2}), tl::SelectionMetric::accuracy, false);
  const torch::Tensor expected = torch::addmm(
      without_fold.bias, data.features.index_select(0, held_out_rows).to(torch::kFloat), without_fold.weight.t());
  const torch::Tensor difference =
      torch::softmax(probe.held_out_logits.index_select(0, held_out_rows), 1) - torch::softmax(expected, 1);
  EXPECT_LT(difference.abs().max().item<double>(), 2e-3);

  // The final head is the fit on every row at the chosen strength.
  const tl::LogisticProbe direct =
      tl::fit_logistic_probe(data.features, data.labels, torch::Tensor(), torch::Tensor(), 4,
                             logistic({probe.chosen_l2}), tl::SelectionMetric::accuracy, false);
  EXPECT_TRUE(torch::allclose(probe.weight, direct.weight, 1e-3, 1e-3));
}

TEST(LogisticProbeKFold, AFoldNumberOutsideTheFoldsOrOneFoldIsAnError) {
  const Blobs data = blobs(12, 3, 2, 12);
  const std::vector<int> outside{0, 1, 2, 0, 1, 0, 1, 0, 1, 0, 1, 0};
  EXPECT_THROW(tl::fit_logistic_probe_k_fold(data.features, data.labels, outside, 2, 2, logistic({0.1}),
                                             tl::SelectionMetric::accuracy),
               tl::Error);
  EXPECT_THROW(tl::fit_logistic_probe_k_fold(data.features, data.labels, std::vector<int>(12, 0), 2, 2, logistic({0.1}),
                                             tl::SelectionMetric::accuracy),
               tl::Error);
}

TEST(LogisticProbe, SeveralStrengthsWithoutValidationIsAnError) {
  const Blobs train = blobs(30, 4, 3, 9);
  EXPECT_THROW(tl::fit_logistic_probe(train.features, train.labels, torch::Tensor(), torch::Tensor(), 3,
                                      logistic({0.1, 1.0}), tl::SelectionMetric::accuracy, false),
               tl::Error);
}

}  // namespace
