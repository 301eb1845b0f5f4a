#include "tl/train/head_stage.hpp"

#include <torch/torch.h>

#include "tl/model/optimizer.hpp"
#include "tl/train/epoch_order.hpp"
#include "tl/train/epoch_steps.hpp"

namespace tl {

HeadStage::HeadStage(Head& head, TrainingFeatures& features, const TrainConfig& config, torch::Tensor class_weights,
                     uint64_t seed)
    : head_(head),
      features_(features),
      config_(config),
      class_weights_(std::move(class_weights)),
      seed_(seed),
      optimizer_(make_optimizer(config.optimizer, head->parameters())),
      schedule_(config.schedule, config.optimizer.lr, config.epochs) {}

EpochOutcome HeadStage::run_epoch(int epoch, int stage_epoch, const BatchDone& batch_done) {
  const LabelledFeatures& data = features_.train_view(epoch % features_.views());
  head_->train();
  const std::vector<size_t> order = epoch_order(features_.train_labels(), config_.sampling, seed_, epoch);
  const auto order_tensor =
      torch::tensor(std::vector<int64_t>(order.begin(), order.end()), torch::kInt64).to(data.labels.device());
  const auto rows_total = static_cast<int64_t>(order.size());
  const int64_t batches = (rows_total + config_.batch_size - 1) / config_.batch_size;
  EpochSteps steps(features_.group(), *optimizer_, head_->parameters(), config_, class_weights_, epoch);
  for (int64_t b = 0; b < batches; ++b) {
    set_learning_rate(*optimizer_, schedule_.at(stage_epoch + static_cast<double>(b) / batches));
    const auto rows = order_tensor.slice(0, b * config_.batch_size, std::min(rows_total, (b + 1) * config_.batch_size));
    const auto [begin, end] = steps.share(rows.size(0));
    const auto mine = rows.slice(0, begin, end);
    steps.step(data.labels.index_select(0, mine), [&] { return head_->forward(data.features.index_select(0, mine)); });
    if (batch_done) batch_done(b + 1, batches);
  }
  return {steps.result(), evaluate_head(head_, features_.validation(), config_.label_smoothing)};
}

}  // namespace tl
