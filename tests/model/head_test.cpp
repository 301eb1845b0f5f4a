// Heads and optimizers: shapes, and that every optimizer actually learns.
#include "tl/model/head.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "support/head_config.hpp"
#include "tl/model/optimizer.hpp"

namespace {

TEST(Head, LinearAndMlpShapes) {
  tl::Head linear(16, 3, tl::testing::head_config(tl::HeadType::linear, {}, 0.0));
  EXPECT_EQ(linear->forward(torch::randn({5, 16})).sizes(), (std::vector<int64_t>{5, 3}));
  EXPECT_EQ(linear->parameters().size(), 2u);
  tl::Head mlp(16, 3, tl::testing::head_config(tl::HeadType::mlp, {32, 8}, 0.2));
  EXPECT_EQ(mlp->forward(torch::randn({5, 16})).sizes(), (std::vector<int64_t>{5, 3}));
  EXPECT_EQ(mlp->parameters().size(), 6u);
}

TEST(Head, DropoutOnlyActsInTraining) {
  torch::manual_seed(0);
  tl::Head mlp(16, 3, tl::testing::head_config(tl::HeadType::mlp, {64}, 0.5));
  const auto x = torch::randn({4, 16});
  mlp->eval();
  EXPECT_TRUE(torch::equal(mlp->forward(x), mlp->forward(x)));
  mlp->train();
  EXPECT_FALSE(torch::equal(mlp->forward(x), mlp->forward(x)));
}

class EveryOptimizer : public ::testing::TestWithParam<tl::OptimizerConfig> {};

TEST_P(EveryOptimizer, LearnsASeparableProblem) {
  torch::manual_seed(3);
  const auto centres = torch::randn({3, 10}) * 3;
  const auto labels = torch::randint(0, 3, {300}, torch::kInt64);
  const auto features = centres.index_select(0, labels) + torch::randn({300, 10});
  tl::Head head(10, 3, tl::HeadConfig{});
  auto optimizer = tl::make_optimizer(GetParam(), head->parameters());
  const auto options = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(0.1);
  const double initial = torch::nn::functional::cross_entropy(head->forward(features), labels, options).item<double>();
  for (int step = 0; step < 100; ++step) {
    optimizer->zero_grad();
    const auto loss = torch::nn::functional::cross_entropy(head->forward(features), labels, options);
    loss.backward();
    optimizer->step();
  }
  const auto logits = head->forward(features);
  EXPECT_LT(torch::nn::functional::cross_entropy(logits, labels, options).item<double>(), initial * 0.5);
  EXPECT_GT(logits.argmax(1).eq(labels).to(torch::kFloat).mean().item<double>(), 0.95);
}

INSTANTIATE_TEST_SUITE_P(Optimizers, EveryOptimizer,
                         ::testing::Values(tl::OptimizerConfig{tl::OptimizerKind::sgd, 0.1, 0.0, false, 0.0},
                                           tl::OptimizerConfig{tl::OptimizerKind::sgd, 0.05, 0.9, true, 1e-4},
                                           tl::OptimizerConfig{tl::OptimizerKind::adam, 0.05, 0.0, false, 0.0},
                                           tl::OptimizerConfig{tl::OptimizerKind::adamw, 0.05, 0.0, false, 0.01}),
                         [](const ::testing::TestParamInfo<tl::OptimizerConfig>& param_info) {
                           const tl::OptimizerConfig& config = param_info.param;
                           return std::string(tl::name_of(config.kind)) + (config.momentum > 0 ? "_momentum" : "") +
                                  (config.nesterov ? "_nesterov" : "") + (config.weight_decay > 0 ? "_decay" : "");
                         });

TEST(Optimizer, SetLearningRateReachesEveryGroup) {
  tl::Head head(4, 2, tl::HeadConfig{});
  auto optimizer =
      tl::make_optimizer(tl::OptimizerConfig{tl::OptimizerKind::adamw, 0.1, 0.0, false, 0.0}, head->parameters());
  tl::set_learning_rate(*optimizer, 0.003);
  for (auto& group : optimizer->param_groups()) EXPECT_DOUBLE_EQ(group.options().get_lr(), 0.003);
}

}  // namespace
