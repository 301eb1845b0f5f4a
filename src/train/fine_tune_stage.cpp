#include "tl/train/fine_tune_stage.hpp"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "tl/base/interruption.hpp"
#include "tl/base/random.hpp"
#include "tl/features/parameter_selection.hpp"
#include "tl/train/epoch_order.hpp"
#include "tl/train/epoch_steps.hpp"
#include "tl/train/optimizer.hpp"

namespace tl {
FineTuneStage::FineTuneStage(Backbone& backbone, Head& head, const Dataset& dataset, TrainingFeatures& features,
                             const TrainConfig& config, const std::vector<std::string>& unfrozen,
                             torch::Tensor class_weights, uint64_t seed, SkippedFiles& skipped)
    : backbone_(backbone),
      head_(head),
      dataset_(dataset),
      features_(features),
      config_(config),
      class_weights_(std::move(class_weights)),
      seed_(seed),
      skipped_(skipped),
      schedule_(config.schedule, config.fine_tune.lr, std::max(1, config.fine_tune.epochs)),
      loader_(features.loader_options()) {
  const FineTuneConfig& fine_tune = config.fine_tune;
  const auto backbone_parameters = backbone.unfreeze(unfrozen, fine_tune.bn == BatchNormPolicy::train);
  OptimizerConfig stage_optimizer = config.optimizer;
  stage_optimizer.lr = fine_tune.lr;
  optimizer_ = make_optimizer(stage_optimizer, head->parameters(), backbone_parameters);
  trained_ = head->parameters();
  trained_.insert(trained_.end(), backbone_parameters.begin(), backbone_parameters.end());
  loader_.batch_size = config.batch_size;
  loader_.pin_memory = backbone.device().is_cuda();
  if (config.augmentation.enabled()) loader_.augmentation = config.augmentation;

  int64_t values = 0;
  for (const auto& parameter : backbone_parameters) values += parameter.numel();
  const auto blocks = backbone_blocks(unfrozen);
  spdlog::info(
      "fine-tuning: {} backbone tensors ({} values) in {} blocks ({} .. {}) train with the head, backbone "
      "rate x{}, BatchNorm {}",
      backbone_parameters.size(), values, blocks.size(), blocks.front(), blocks.back(),
      fine_tune.backbone_lr_multiplier, name_of(fine_tune.bn));
}

// Each rank's BatchNorm layers saw only its share of every batch, so their running statistics drift
// apart; their mean is the estimate over every image, and makes all ranks validate, and rank 0 save,
// the same backbone.
void FineTuneStage::average_statistics_across_ranks() {
  ProcessGroup& group = features_.group();
  const auto statistics = backbone_.tuned_statistics();
  if (group.size() == 1 || statistics.empty()) return;
  group.all_reduce_sum(statistics);
  for (const auto& statistic : statistics) statistic.div_(group.size());
}

EpochResult FineTuneStage::run_epoch(int epoch, int stage_epoch, const BatchDone& batch_done) {
  head_->train();
  backbone_.set_training(true);
  std::vector<size_t> order;
  std::vector<uint64_t> augmentation_keys;
  const std::vector<size_t>& samples = features_.train_samples();
  for (const size_t row : epoch_order(features_.train_labels(), config_.sampling, seed_, epoch)) {
    order.push_back(samples[row]);
    augmentation_keys.push_back(
        mix_key(mix_key(stream_key(seed_, RandomStream::fine_tune_view), static_cast<uint64_t>(epoch)), row));
  }
  // This rank decodes and computes only its share of each global batch.
  EpochSteps steps(features_.group(), *optimizer_, trained_, config_, class_weights_, epoch);
  std::vector<size_t> my_order, batch_sizes;
  std::vector<uint64_t> my_keys;
  const auto batch_size = static_cast<size_t>(config_.batch_size);
  for (size_t first = 0; first < order.size(); first += batch_size) {
    const auto [begin, end] = steps.share(static_cast<int64_t>(std::min(batch_size, order.size() - first)));
    for (auto i = first + static_cast<size_t>(begin); i < first + static_cast<size_t>(end); ++i) {
      my_order.push_back(order[i]);
      my_keys.push_back(augmentation_keys[i]);
    }
    batch_sizes.push_back(static_cast<size_t>(end - begin));
  }
  BatchLoader loader(dataset_, my_order, features_.train_preprocessing(), loader_, skipped_, my_keys, batch_sizes);
  const auto batches = static_cast<int64_t>(loader.batch_count());
  int64_t b = 0;
  const std::string interrupted_work = "fine-tuning epoch " + std::to_string(epoch + 1);
  while (auto batch = loader.next()) {
    // Its batches take as long as backbone passes: Ctrl-C need not wait for the end of the epoch,
    // whose work is redone on --resume. Every rank leaves at the same batch.
    if (features_.group().any(interrupt_requested())) {
      throw Interrupted(interrupted_work + " interrupted (" + interrupt_name() + ")");
    }
    set_learning_rate(*optimizer_, schedule_.at(stage_epoch + static_cast<double>(b) / static_cast<double>(batches)),
                      config_.fine_tune.backbone_lr_multiplier);
    steps.step(batch->labels.to(backbone_.device()), [&] {
      const torch::Tensor images = batch->images.to(backbone_.device(), /*non_blocking=*/true);
      return head_->forward(backbone_.differentiable_features(images));
    });
    if (batch_done) batch_done(++b, batches);
  }
  backbone_.set_training(false);
  if (config_.fine_tune.bn == BatchNormPolicy::train) average_statistics_across_ranks();
  features_.recompute_validation();
  return steps.result();
}

}  // namespace tl
