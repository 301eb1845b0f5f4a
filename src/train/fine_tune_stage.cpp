#include "tl/train/fine_tune_stage.hpp"

#include <map>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "tl/base/interruption.hpp"
#include "tl/base/physical_memory.hpp"
#include "tl/base/random.hpp"
#include "tl/features/batch_memory.hpp"
#include "tl/features/parameter_selection.hpp"
#include "tl/model/optimizer.hpp"
#include "tl/train/epoch_order.hpp"

namespace tl {
namespace {

// Each row's shard, numbered in the order first met (a loose file is a source of its own).
std::vector<size_t> shard_of_rows(const Dataset& dataset, const std::vector<size_t>& samples) {
  std::map<std::string, size_t> numbers;
  std::vector<size_t> shards;
  for (const size_t sample : samples) {
    const auto& member = dataset.samples[sample].member;
    shards.push_back(numbers.emplace(member ? member->archive->native() : dataset.samples[sample].path, numbers.size())
                         .first->second);
  }
  return shards;
}

}  // namespace

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
  // Its steps run images through the backbone with gradients, config.batch_size at a time.
  check_batch_fits_memory(features.train_preprocessing(), config.batch_size, "train.batch_size");
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
  choose_frozen_prefix();
}

void FineTuneStage::choose_frozen_prefix() {
  if (!config_.fine_tune.cache_prefix) {
    prefix_not_used_ = "train.fine_tune.cache_prefix is false";
    return;
  }
  const Preprocessing& preprocessing = features_.train_preprocessing();
  prefix_ = backbone_.split_frozen_prefix(preprocessing.height, preprocessing.width, prefix_not_used_);
  if (!prefix_) {
    spdlog::info("fine-tuning runs the whole backbone every step: {}", prefix_not_used_);
    return;
  }
  // A quarter of the machine's memory: the views that fit stay, the others are read back from the
  // feature cache (or recomputed without one) when an epoch needs them.
  prefix_memory_budget_ = physical_memory_bytes() / 4;
  const auto view_bytes = static_cast<int64_t>(features_.train_samples().size()) * prefix_->activation_values() *
                          static_cast<int64_t>(sizeof(float));
  constexpr double kMiB = 1024.0 * 1024.0;
  if (view_bytes > prefix_memory_budget_) {
    prefix_not_used_ = fmt::format(
        "the activations entering {} would take {:.0f} MiB per view, more than a quarter of this machine's memory",
        prefix_->cut, view_bytes / kMiB);
    prefix_.reset();
    spdlog::info("fine-tuning runs the whole backbone every step: {}", prefix_not_used_);
    return;
  }
  spdlog::info(
      "fine-tuning: the frozen blocks before {} run once per image{} ({:.0f} MiB of activations{}); each step "
      "runs {} onward and the head",
      prefix_->cut, features_.views() > 1 ? " and cached view" : "", view_bytes / kMiB,
      features_.views() > 1 ? " per view" : "", prefix_->cut);
}

nlohmann::json FineTuneStage::report() const {
  if (!prefix_) return {{"frozen_prefix", {{"used", false}, {"reason", prefix_not_used_}}}};
  return {{"frozen_prefix",
           {{"used", true},
            {"cut", prefix_->cut},
            {"activation_shape", prefix_->activation_shape},
            {"images", prefix_images_},
            {"computed", prefix_computed_},
            {"from_cache", prefix_images_ - prefix_computed_},
            {"seconds", prefix_seconds_}}}};
}

ImageEmbedding FineTuneStage::prefix_embedding() {
  return {prefix_->activation_values(), backbone_.device(), [this](const torch::Tensor& images) {
            const torch::Tensor activations = backbone_.prefix_activations(images);
            return activations.reshape({activations.size(0), -1});
          }};
}

torch::Tensor FineTuneStage::unflattened(const FeatureSet& pass) {
  prefix_seconds_ += pass.seconds;
  prefix_images_ += pass.size();
  prefix_computed_ += pass.computed;
  std::vector<int64_t> shape{pass.size()};
  shape.insert(shape.end(), prefix_->activation_shape.begin(), prefix_->activation_shape.end());
  return pass.features.view(shape);
}

std::string FineTuneStage::prefix_cache_note() const { return "frozen prefix before " + prefix_->cut; }

const torch::Tensor& FineTuneStage::prefix_view(int view) {
  for (auto it = prefix_views_.begin(); it != prefix_views_.end(); ++it) {
    if (it->first == view) {
      prefix_views_.splice(prefix_views_.begin(), prefix_views_, it);
      return prefix_views_.front().second;
    }
  }
  prefix_views_.emplace_front(view,
                              unflattened(features_.train_view_through(prefix_embedding(), prefix_cache_note(), view)));
  int64_t bytes = 0;
  for (const auto& kept : prefix_views_) bytes += static_cast<int64_t>(kept.second.nbytes());
  while (bytes > prefix_memory_budget_ && prefix_views_.size() > 1) {
    bytes -= static_cast<int64_t>(prefix_views_.back().second.nbytes());
    prefix_views_.pop_back();
  }
  return prefix_views_.front().second;
}

LabelledFeatures FineTuneStage::validation_from_prefix() {
  if (features_.validation_samples().empty()) return features_.validation();
  if (!validation_prefix_.defined()) {
    validation_prefix_ = unflattened(features_.validation_through(prefix_embedding(), prefix_cache_note()));
  }
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> features;
  const int64_t rows = validation_prefix_.size(0), batch = features_.loader_options().batch_size;
  for (int64_t first = 0; first < rows; first += batch) {
    const torch::Tensor activations = validation_prefix_.slice(0, first, std::min(rows, first + batch));
    features.push_back(backbone_.features_from_prefix(activations.to(backbone_.device())));
  }
  return {torch::cat(features).to(features_.validation().features.device()), features_.validation().labels};
}

void FineTuneStage::check_interrupt(int epoch) const {
  // Its batches may take as long as backbone passes: Ctrl-C need not wait for the end of the epoch,
  // whose work is redone on --resume. Every rank leaves at the same batch.
  if (features_.group().any(interrupt_requested())) {
    throw Interrupted("fine-tuning epoch " + std::to_string(epoch + 1) + " interrupted (" + interrupt_name() + ")");
  }
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

// Both kinds of batches go through this one loop: the rate follows the schedule within the epoch,
// and Ctrl-C is honoured between batches.
EpochOutcome FineTuneStage::run_epoch(int epoch, int stage_epoch, const BatchDone& batch_done) {
  EpochSteps steps(features_.group(), *optimizer_, trained_, config_, class_weights_, epoch);
  // Before the modes change: a prefix view computed now runs the frozen blocks as they validate.
  const EpochBatches batches = prefix_ ? batches_from_prefix(epoch, steps) : batches_through_backbone(epoch, steps);
  head_->train();
  backbone_.set_training(true);
  int64_t done = 0;
  while (const std::optional<StepBatch> batch = batches.next()) {
    check_interrupt(epoch);
    set_learning_rate(*optimizer_,
                      schedule_.at(stage_epoch + static_cast<double>(done) / static_cast<double>(batches.count)),
                      config_.fine_tune.backbone_lr_multiplier);
    steps.step(batch->labels, batch->logits);
    if (batch_done) batch_done(++done, batches.count);
  }
  backbone_.set_training(false);
  if (config_.fine_tune.bn == BatchNormPolicy::train) average_statistics_across_ranks();
  const LabelledFeatures validation = prefix_ ? validation_from_prefix() : features_.tuned_validation();
  return {steps.result(), evaluate_head(head_, validation, config_.label_smoothing)};
}

FineTuneStage::EpochBatches FineTuneStage::batches_from_prefix(int epoch, const EpochSteps& steps) {
  const torch::Tensor activations = prefix_view(epoch % features_.views());
  const std::vector<size_t> order = epoch_order(features_.train_labels(), config_.sampling, seed_, epoch);
  const torch::Tensor labels = torch::tensor(features_.train_labels(), torch::kInt64);
  const auto rows_total = static_cast<int64_t>(order.size());
  const int64_t count = (rows_total + config_.batch_size - 1) / config_.batch_size;
  auto next_batch = std::make_shared<int64_t>(0);
  return {count,
          [this, &steps, activations, order, labels, rows_total, count, next_batch]() -> std::optional<StepBatch> {
            if (*next_batch == count) return std::nullopt;
            const int64_t first = (*next_batch)++ * config_.batch_size;
            const auto [begin, end] = steps.share(std::min<int64_t>(config_.batch_size, rows_total - first));
            const torch::Tensor mine = torch::tensor(
                std::vector<int64_t>(order.begin() + first + begin, order.begin() + first + end), torch::kInt64);
            return StepBatch{labels.index_select(0, mine).to(backbone_.device()), [this, activations, mine] {
                               const torch::Tensor input =
                                   activations.index_select(0, mine).to(backbone_.device(), /*non_blocking=*/true);
                               return head_->forward(backbone_.features_from_prefix(input));
                             }};
          }};
}

FineTuneStage::EpochBatches FineTuneStage::batches_through_backbone(int epoch, const EpochSteps& steps) {
  std::vector<size_t> order;
  std::vector<uint64_t> augmentation_keys;
  const std::vector<size_t>& samples = features_.train_samples();
  for (const size_t row :
       loader_.shuffle_buffer > 0
           ? streamed_epoch_order(shard_of_rows(dataset_, samples), loader_.shuffle_buffer, seed_, epoch)
           : epoch_order(features_.train_labels(), config_.sampling, seed_, epoch)) {
    order.push_back(samples[row]);
    augmentation_keys.push_back(
        mix_key(mix_key(stream_key(seed_, RandomStream::fine_tune_view), static_cast<uint64_t>(epoch)), row));
  }
  // This rank decodes and computes only its share of each global batch.
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
  auto loader = std::make_shared<BatchLoader>(dataset_, my_order, features_.train_preprocessing(), loader_, skipped_,
                                              my_keys, batch_sizes);
  return {static_cast<int64_t>(loader->batch_count()), [this, loader]() -> std::optional<StepBatch> {
            std::optional<ImageBatch> batch = loader->next();
            if (!batch) return std::nullopt;
            const torch::Tensor images = batch->images;
            return StepBatch{batch->labels.to(backbone_.device()), [this, images] {
                               const torch::Tensor on_device = images.to(backbone_.device(), /*non_blocking=*/true);
                               return head_->forward(backbone_.differentiable_features(on_device));
                             }};
          }};
}

}  // namespace tl
