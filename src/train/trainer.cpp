#include "tl/train/trainer.hpp"

#include <chrono>
#include <cmath>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "tl/features/backbone.hpp"
#include "tl/train/checkpoint.hpp"
#include "tl/train/class_balance.hpp"
#include "tl/data/dataset.hpp"
#include "tl/base/random.hpp"
#include "tl/features/cpu_runtime.hpp"
#include "tl/features/device.hpp"
#include "tl/train/epoch_order.hpp"
#include "tl/base/error.hpp"
#include "tl/features/feature_cache.hpp"
#include "tl/features/feature_extraction.hpp"
#include "tl/train/head.hpp"
#include "tl/base/interruption.hpp"
#include "tl/train/lr_schedule.hpp"
#include "tl/train/optimizer.hpp"
#include "tl/features/parameter_selection.hpp"
#include "tl/base/progress.hpp"
#include "tl/run/run_directory.hpp"
#include "tl/data/split.hpp"

namespace tl {
namespace {

struct EpochResult {
  double loss = 0, accuracy = 0;
  int64_t samples = 0;
};

struct DeviceFeatures {
  torch::Tensor features, labels;
  int64_t size() const { return labels.size(0); }
};

DeviceFeatures to_device(const FeatureSet& set, torch::Device device) {
  return {set.features.to(device), set.labels.to(device)};
}

// The loss, step and bookkeeping shared by both stages: one call per batch.
class EpochSteps {
 public:
  EpochSteps(torch::optim::Optimizer& optimizer, std::vector<torch::Tensor> trained, const TrainConfig& config,
             const torch::Tensor& class_weights, int epoch)
      : optimizer_(optimizer), trained_(std::move(trained)), config_(config), epoch_(epoch) {
    loss_options_.label_smoothing(config.label_smoothing);
    if (class_weights.defined()) loss_options_.weight(class_weights);
  }

  // `forward` computes the logits; gradients are cleared before it and applied after.
  template <typename Forward>
  void step(const torch::Tensor& targets, Forward&& forward) {
    optimizer_.zero_grad();
    const torch::Tensor logits = forward();
    const auto loss = torch::nn::functional::cross_entropy(logits, targets, loss_options_);
    const double loss_value = loss.item<double>();
    if (!std::isfinite(loss_value)) {
      throw Error("training diverged: loss is " + std::to_string(loss_value) + " in epoch " +
                  std::to_string(epoch_ + 1) + " (lower train.optimizer.lr)");
    }
    loss.backward();
    if (config_.clip_grad_norm > 0) torch::nn::utils::clip_grad_norm_(trained_, config_.clip_grad_norm);
    optimizer_.step();
    loss_sum_ += loss_value * static_cast<double>(targets.size(0));
    correct_ += logits.argmax(1).eq(targets).sum().item<int64_t>();
    samples_ += targets.size(0);
  }

  EpochResult result() const {
    const auto samples = std::max<int64_t>(1, samples_);
    return {loss_sum_ / static_cast<double>(samples), static_cast<double>(correct_) / static_cast<double>(samples),
            samples_};
  }

 private:
  torch::optim::Optimizer& optimizer_;
  std::vector<torch::Tensor> trained_;
  const TrainConfig& config_;
  int epoch_;
  torch::nn::functional::CrossEntropyFuncOptions loss_options_;
  double loss_sum_ = 0;
  int64_t correct_ = 0, samples_ = 0;
};

// Stage one: the head on precomputed features. `stage_epoch` places it in the stage's schedule.
EpochResult train_head_epoch(Head& head, torch::optim::Optimizer& optimizer, const DeviceFeatures& data,
                             const std::vector<int64_t>& labels, const TrainConfig& config,
                             const LrSchedule& schedule, const torch::Tensor& class_weights, int epoch,
                             int stage_epoch, uint64_t seed) {
  head->train();
  const std::vector<size_t> order = epoch_order(labels, config.sampling, seed, epoch);
  const auto order_tensor =
      torch::tensor(std::vector<int64_t>(order.begin(), order.end()), torch::kInt64).to(data.labels.device());
  const auto rows_total = static_cast<int64_t>(order.size());
  const int64_t batches = (rows_total + config.batch_size - 1) / config.batch_size;
  EpochSteps steps(optimizer, head->parameters(), config, class_weights, epoch);
  for (int64_t b = 0; b < batches; ++b) {
    set_learning_rate(optimizer, schedule.at(stage_epoch + static_cast<double>(b) / batches));
    const auto rows = order_tensor.slice(0, b * config.batch_size, std::min(rows_total, (b + 1) * config.batch_size));
    const auto inputs = data.features.index_select(0, rows);
    steps.step(data.labels.index_select(0, rows), [&] { return head->forward(inputs); });
  }
  return steps.result();
}

// What stage two trains on: the training images that decoded, through the unfrozen backbone.
struct FineTuneData {
  const Dataset& dataset;
  std::vector<size_t> samples;  // Dataset::samples
  std::vector<int64_t> labels;
  Preprocessing preprocessing;
  LoaderOptions loader;  // training batches, with the augmentation if any
};

// Keys of stage two's fresh views: another range than the cached views' (seed, view) pairs.
constexpr uint64_t kFineTuneKeySpace = 0xF17E70000000ull;

EpochResult fine_tune_epoch(Backbone& backbone, Head& head, torch::optim::Optimizer& optimizer,
                            const std::vector<torch::Tensor>& trained, const FineTuneData& data,
                            const TrainConfig& config, const LrSchedule& schedule, const torch::Tensor& class_weights,
                            int epoch, int stage_epoch, uint64_t seed, SkippedFiles& skipped) {
  head->train();
  backbone.set_training(true);
  std::vector<size_t> order;
  std::vector<uint64_t> augmentation_keys;
  for (const size_t row : epoch_order(data.labels, config.sampling, seed, epoch)) {
    order.push_back(data.samples[row]);
    augmentation_keys.push_back(mix_key(mix_key(seed, kFineTuneKeySpace + static_cast<uint64_t>(epoch)), row));
  }
  BatchLoader loader(data.dataset, order, data.preprocessing, data.loader, skipped, augmentation_keys);
  const auto batches = static_cast<double>(loader.batch_count());
  EpochSteps steps(optimizer, trained, config, class_weights, epoch);
  int64_t b = 0;
  while (auto batch = loader.next()) {
    set_learning_rate(optimizer, schedule.at(stage_epoch + static_cast<double>(b++) / batches),
                      config.fine_tune.backbone_lr_multiplier);
    if (batch->sample_indices.empty()) continue;
    const torch::Tensor images = batch->images.to(backbone.device(), /*non_blocking=*/true);
    steps.step(batch->labels.to(backbone.device()),
               [&] { return head->forward(backbone.differentiable_features(images)); });
  }
  backbone.set_training(false);
  return steps.result();
}

EpochResult evaluate_epoch(Head& head, const DeviceFeatures& data, double label_smoothing) {
  EpochResult result;
  if (data.size() == 0) return result;
  head->eval();
  torch::NoGradGuard no_grad;
  const auto logits = head->forward(data.features);
  result.samples = data.size();
  result.loss = torch::nn::functional::cross_entropy(
                    logits, data.labels, torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(label_smoothing))
                    .item<double>();
  result.accuracy = logits.argmax(1).eq(data.labels).to(torch::kFloat64).mean().item<double>();
  return result;
}

bool improves(const EpochResult& candidate, const EpochResult& best, bool first, bool has_validation) {
  if (first) return true;
  if (!has_validation) return candidate.loss < best.loss;
  return candidate.accuracy > best.accuracy || (candidate.accuracy == best.accuracy && candidate.loss < best.loss);
}

// Early stopping watches the loss (validation, else training) for falls larger than min_delta.
class EarlyStopping {
 public:
  EarlyStopping(int patience, double min_delta) : patience_(patience), min_delta_(min_delta) {}
  void observe(double loss) {
    if (!seen_ || loss < lowest_ - min_delta_) {
      lowest_ = loss;
      seen_ = true;
      stale_epochs_ = 0;
    } else {
      ++stale_epochs_;
    }
  }
  bool should_stop() const { return patience_ > 0 && stale_epochs_ >= patience_; }
  int stale_epochs() const { return stale_epochs_; }

 private:
  int patience_;
  double min_delta_;
  bool seen_ = false;
  double lowest_ = 0;
  int stale_epochs_ = 0;
};

EpochResult selection_of(const nlohmann::json& line, bool has_validation) {
  EpochResult result;
  result.loss = line[has_validation ? "val_loss" : "train_loss"].get<double>();
  result.accuracy = line[has_validation ? "val_accuracy" : "train_accuracy"].get<double>();
  return result;
}

// Which stage an epoch belongs to, recorded in every metrics line.
constexpr const char* kHeadStage = "head";
constexpr const char* kFineTuneStage = "fine_tune";

// The names of the backbone parameters the config unfreezes (checked before any training).
std::vector<std::string> parameters_to_unfreeze(Backbone& backbone, const FineTuneConfig& fine_tune) {
  const auto names = backbone.parameter_names();
  try {
    return fine_tune.unfreeze_blocks > 0 ? parameters_of_last_blocks(names, fine_tune.unfreeze_blocks)
                                         : parameters_matching(names, fine_tune.unfreeze);
  } catch (const Error& error) {
    throw Error(backbone.path().string() + ": " + error.what());
  }
}

std::string cache_description(const Preprocessing& preprocessing, const AugmentedView* view) {
  if (view == nullptr) return preprocessing.describe();
  return preprocessing.describe() + " " + view->augmentation.describe() + " seed=" + std::to_string(view->seed) +
         " view=" + std::to_string(view->index);
}

}  // namespace

nlohmann::json train(const Experiment& experiment, const TrainingOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  const RunDirectory run(experiment.run_directory);
  if (options.resume) {
    if (!run.holds_run()) throw Error(run.path().string() + ": no run to resume (no config.json)");
    run.remove_stale_temporaries();
  } else {
    run.claim(options.overwrite);
  }
  const int threads = configure_cpu_runtime(experiment.threads);
  const torch::Device device = resolve_device(experiment.device);
  const auto seed = static_cast<uint64_t>(experiment.seed);
  torch::manual_seed(seed);
  const TrainConfig& config = experiment.train;
  const FineTuneConfig& fine_tune = config.fine_tune;

  const Dataset dataset = load_dataset({experiment.data.layout, experiment.data.root, experiment.data.target});
  const Split split = make_split(dataset, {experiment.data.val_fraction, experiment.data.test_fraction, seed});
  if (split.train.empty()) throw Error(experiment.data.root.string() + ": no training images found");
  spdlog::info("{}: {} classes, {} train / {} val / {} test images ({} non-image files ignored)",
               experiment.data.root.string(), dataset.class_names.size(), split.train.size(), split.val.size(),
               split.test.size(), dataset.ignored_files);

  LoadedBackbone loaded = load_backbone(experiment.model, experiment.data, device);
  Backbone& backbone = *loaded.backbone;
  spdlog::info("backbone {} ({} features, {}), {} CPU threads, device {}", experiment.model.backbone.string(),
               backbone.feature_dim(), loaded.preprocessing.describe(), threads, device.str());
  const std::vector<std::string> unfrozen_names =
      fine_tune.enabled() ? parameters_to_unfreeze(backbone, fine_tune) : std::vector<std::string>{};

  if (!options.resume || !std::filesystem::exists(run.last_checkpoint())) {
    run.start(experiment, dataset.class_names);
  } else if (run.load_class_names() != dataset.class_names) {
    throw Error(run.classes().string() + ": the run's classes differ from the data's now; cannot resume");
  }

  SkippedFiles skipped;
  const LoaderOptions loader{experiment.data.batch_size, experiment.data.workers, experiment.data.prefetch};
  // Augmented views need every pixel: a random crop of a reduced decode would be a blurred one.
  Preprocessing augmented_preprocessing = loaded.preprocessing;
  augmented_preprocessing.reduced_decode = false;
  const bool augmenting = config.augmentation.enabled();
  std::optional<std::filesystem::path> cache_used;  // the first namespace, for the summary
  int64_t damaged_cache_entries = 0;
  double extraction_seconds = 0;
  int64_t extracted = 0, computed_by_backbone = 0;
  // Features of the training images for one view (the evaluation transform without augmentation)
  // or of the validation images, through the backbone as it is now.
  const auto extract = [&](const std::vector<size_t>& indices, const AugmentedView* view, bool cached,
                           const std::string& label) {
    std::optional<FeatureCache> cache;
    const Preprocessing& preprocessing = view != nullptr ? augmented_preprocessing : loaded.preprocessing;
    if (cached && experiment.cache) {
      cache = open_feature_cache(experiment.cache_directory, backbone.content_hash(),
                                 cache_description(preprocessing, view));
    }
    FeatureSet set = extract_features(backbone, dataset, indices, preprocessing, loader, skipped,
                                      cache ? &*cache : nullptr, label, view);
    if (cache) {
      damaged_cache_entries += cache->statistics().damaged;
      if (!cache_used) cache_used = cache->directory();
    }
    extraction_seconds += set.seconds;
    extracted += set.size();
    computed_by_backbone += set.computed;
    return set;
  };
  const int views = augmenting ? config.augmentation.views : 1;
  // Views are computed when an epoch first needs them, so a run shows progress early and an
  // interrupted one keeps (in the cache) every view it finished.
  std::vector<std::optional<DeviceFeatures>> train_views(static_cast<size_t>(views));
  const auto extract_train_view = [&](int index) {
    if (!augmenting) return extract(split.train, nullptr, true, "features (train)");
    const AugmentedView view{config.augmentation, seed, index};
    return extract(split.train, &view, true,
                   "features (train, view " + std::to_string(index + 1) + "/" + std::to_string(views) + ")");
  };
  const auto train_view = [&](int index) -> const DeviceFeatures& {
    auto& slot = train_views[static_cast<size_t>(index)];
    if (!slot) slot = to_device(extract_train_view(index), device);
    return *slot;
  };
  const FeatureSet first_view = extract_train_view(0);
  train_views[0] = to_device(first_view, device);
  const FeatureSet val_set = extract(split.val, nullptr, true, "features (val)");
  run.write_json(run.skipped(), skipped.to_json());
  if (damaged_cache_entries > 0) {
    spdlog::warn("{} damaged feature cache entries were recomputed ({})", damaged_cache_entries,
                 experiment.cache_directory.string());
  }
  if (first_view.size() == 0) {
    throw Error(experiment.data.root.string() + ": none of the training images could be decoded");
  }
  const std::vector<int64_t> train_labels(first_view.labels.data_ptr<int64_t>(),
                                          first_view.labels.data_ptr<int64_t>() + first_view.size());
  DeviceFeatures val_data = to_device(val_set, device);
  const bool has_validation = val_data.size() > 0;
  if (!has_validation) spdlog::warn("no validation images: best.pt is chosen by training loss");

  const int64_t class_count = static_cast<int64_t>(dataset.class_names.size());
  Head head(backbone.feature_dim(), static_cast<int>(class_count), experiment.model.head);
  head->to(device);
  auto optimizer = make_optimizer(config.optimizer, head->parameters());
  const LrSchedule head_schedule(config.schedule, config.optimizer.lr, config.epochs);
  const LrSchedule fine_tune_schedule(config.schedule, fine_tune.lr, std::max(1, fine_tune.epochs));
  torch::Tensor class_weights;
  if (config.class_weights == ClassWeighting::balanced) {
    class_weights = balanced_class_weights(first_view.labels, class_count).to(device);
  }

  // Stage two, entered once: unfreeze, and train head and backbone with one optimizer of two groups.
  std::vector<torch::Tensor> fine_tuned;  // head and unfrozen backbone parameters, for clipping
  const auto enter_fine_tuning = [&] {
    const auto backbone_parameters = backbone.unfreeze(unfrozen_names, fine_tune.bn == BatchNormPolicy::train);
    OptimizerConfig stage_optimizer = config.optimizer;
    stage_optimizer.lr = fine_tune.lr;
    optimizer = make_optimizer(stage_optimizer, head->parameters(), backbone_parameters);
    fine_tuned = head->parameters();
    fine_tuned.insert(fine_tuned.end(), backbone_parameters.begin(), backbone_parameters.end());
    int64_t values = 0;
    for (const auto& parameter : backbone_parameters) values += parameter.numel();
    const auto blocks = backbone_blocks(unfrozen_names);
    spdlog::info("fine-tuning: {} backbone tensors ({} values) in {} blocks ({} .. {}) train with the head, backbone "
                 "rate x{}, BatchNorm {}",
                 backbone_parameters.size(), values, blocks.size(), blocks.front(), blocks.back(),
                 fine_tune.backbone_lr_multiplier, name_of(fine_tune.bn));
  };

  CheckpointRecord record;
  record.class_names = dataset.class_names;
  record.head = experiment.model.head;
  record.in_features = backbone.feature_dim();
  record.backbone_path = backbone.path().string();
  record.backbone_sha256 = backbone.content_hash();
  record.preprocessing = loaded.preprocessing.describe();

  EpochResult best;
  nlohmann::json best_line, last_line;
  int epoch = 0;              // epochs completed
  std::string stage = kHeadStage;
  int stage_start = 0;        // epochs completed when the current stage began
  bool stopped_early = false;
  EarlyStopping early_stopping(config.early_stopping_patience, config.early_stopping_min_delta);
  // Stage two begins after `completed` epochs; early stopping starts afresh for it.
  const auto begin_fine_tune_stage = [&](int completed) {
    stopped_early = stopped_early || early_stopping.should_stop();
    stage = kFineTuneStage;
    stage_start = completed;
    early_stopping = EarlyStopping(config.early_stopping_patience, config.early_stopping_min_delta);
  };
  if (options.resume && std::filesystem::exists(run.last_checkpoint())) {
    LoadedCheckpoint last = load_checkpoint(run.last_checkpoint(), device);
    if (last.record.backbone_sha256 != record.backbone_sha256 || last.record.preprocessing != record.preprocessing ||
        last.record.class_names != record.class_names || last.record.in_features != record.in_features) {
      throw Error(run.last_checkpoint().string() + ": was trained with another backbone, preprocessing or classes "
                                                   "than the data and config give now; cannot resume");
    }
    head = last.head;
    epoch = last.record.epoch;
    // Lines written after last.pt (a crash between the two) are dropped: those epochs run again.
    std::vector<nlohmann::json> lines;
    for (const auto& line : run.load_metrics()) {
      if (line["epoch"].get<int>() <= epoch) lines.push_back(line);
    }
    run.rewrite_metrics(lines);
    for (const auto& line : lines) {
      if (line.value("stage", kHeadStage) != stage) begin_fine_tune_stage(line["epoch"].get<int>() - 1);
      const EpochResult selection = selection_of(line, has_validation);
      if (improves(selection, best, best_line.is_null(), has_validation)) {
        best = selection;
        best_line = line;
      }
      early_stopping.observe(selection.loss);
      last_line = line;
    }
    if (stage == kFineTuneStage) {
      enter_fine_tuning();
      backbone.load_tuned_state(last.backbone_state, run.last_checkpoint().string());
    } else {
      optimizer = make_optimizer(config.optimizer, head->parameters());
    }
    load_optimizer_state(run.last_checkpoint(), *optimizer);
    // best.pt is written after last.pt: a crash between them leaves it one improvement behind.
    if (!best_line.is_null() && best_line["epoch"].get<int>() == epoch &&
        (!std::filesystem::exists(run.best_checkpoint()) ||
         load_checkpoint(run.best_checkpoint(), torch::kCPU).record.epoch != epoch)) {
      save_checkpoint(run.best_checkpoint(), head, optimizer.get(), last.record, last.backbone_state);
    }
    // Last: building heads (load_checkpoint) draws initial weights from this generator.
    restore_generator_state(run.last_checkpoint());
  }

  const auto stage_over = [&] {
    const int stage_epochs = stage == kHeadStage ? config.epochs : fine_tune.epochs;
    return epoch - stage_start >= stage_epochs || early_stopping.should_stop();
  };
  const auto run_over = [&] { return stage_over() && (stage == kFineTuneStage || !fine_tune.enabled()); };
  const int epochs_planned = config.epochs + fine_tune.epochs;
  if (options.resume && epoch > 0) {
    if (run_over()) {
      spdlog::info("{} already finished after epoch {}; nothing left to train", run.path().string(), epoch);
    } else {
      spdlog::info("resuming {} after epoch {} of {}", run.path().string(), epoch, epochs_planned);
    }
  }

  const FineTuneData fine_tune_data{dataset, first_view.sample_indices, train_labels,
                                    augmenting ? augmented_preprocessing : loaded.preprocessing,
                                    [&] {
                                      LoaderOptions options_for_stage = loader;
                                      options_for_stage.batch_size = config.batch_size;
                                      options_for_stage.pin_memory = device.is_cuda();
                                      if (augmenting) options_for_stage.augmentation = config.augmentation;
                                      return options_for_stage;
                                    }()};
  // A bar on a terminal; one log line per epoch otherwise.
  std::optional<Progress> progress;
  if (Progress::on_terminal() && epoch < epochs_planned) {
    progress.emplace("epochs", static_cast<size_t>(epochs_planned - epoch), "epoch");
  }
  while (!run_over()) {
    if (stage_over()) {
      begin_fine_tune_stage(epoch);
      enter_fine_tuning();
    }
    const auto epoch_start = std::chrono::steady_clock::now();
    const int stage_epoch = epoch - stage_start;
    EpochResult trained;
    double lr = 0;
    if (stage == kHeadStage) {
      lr = head_schedule.at(stage_epoch);
      trained = train_head_epoch(head, *optimizer, train_view(epoch % views), train_labels, config, head_schedule,
                                 class_weights, epoch, stage_epoch, seed);
    } else {
      lr = fine_tune_schedule.at(stage_epoch);
      trained = fine_tune_epoch(backbone, head, *optimizer, fine_tuned, fine_tune_data, config, fine_tune_schedule,
                                class_weights, epoch, stage_epoch, seed, skipped);
      // The backbone changed: validation features are computed afresh, never cached.
      const FeatureSet val_now = extract(split.val, nullptr, false, "validate (tuned backbone)");
      val_data = to_device(val_now, device);
    }
    const EpochResult validated = evaluate_epoch(head, val_data, config.label_smoothing);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
    ++epoch;
    nlohmann::json line = {{"epoch", epoch},
                           {"stage", stage},
                           {"lr", lr},
                           {"train_loss", trained.loss},
                           {"train_accuracy", trained.accuracy},
                           {"val_loss", has_validation ? nlohmann::json(validated.loss) : nlohmann::json()},
                           {"val_accuracy", has_validation ? nlohmann::json(validated.accuracy) : nlohmann::json()},
                           {"seconds", seconds},
                           {"images_per_second", seconds > 0 ? trained.samples / seconds : 0.0}};
    run.append_metrics(line);
    record.epoch = epoch;
    record.metrics = line;
    const NamedTensors tuned = backbone.tuned_state();
    save_checkpoint(run.last_checkpoint(), head, optimizer.get(), record, tuned);
    const EpochResult& selection = has_validation ? validated : trained;
    if (improves(selection, best, best_line.is_null(), has_validation)) {
      best = selection;
      best_line = line;
      save_checkpoint(run.best_checkpoint(), head, optimizer.get(), record, tuned);
    }
    early_stopping.observe(selection.loss);
    last_line = line;
    char status[160];
    std::snprintf(status, sizeof status, "loss %.4f acc %.3f | val loss %.4f acc %.3f", trained.loss, trained.accuracy,
                  validated.loss, validated.accuracy);
    if (progress) {
      progress->advance(1, status);
    } else {
      spdlog::info("epoch {}/{} ({}): {}", epoch, epochs_planned, stage, status);
    }
    if (early_stopping.should_stop()) {
      spdlog::info("early stopping ({}): {} loss has not fallen for {} epochs", stage,
                   has_validation ? "validation" : "training", early_stopping.stale_epochs());
    }
    if (interrupt_requested() && !run_over()) {
      throw Interrupted("training interrupted after epoch " + std::to_string(epoch) + " of " +
                        std::to_string(epochs_planned) + "; " + run.last_checkpoint().string() +
                        " is saved: continue with tl-train --resume " + run.path().string());
    }
  }
  if (progress) progress->finish();
  stopped_early = stopped_early || early_stopping.should_stop();

  const double total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const nlohmann::json summary = {
      {"name", experiment.name},
      {"run_directory", run.path().string()},
      {"classes", dataset.class_names},
      {"samples", {{"train", first_view.size()}, {"val", val_set.size()}, {"test", split.test.size()}}},
      {"skipped_files", skipped.count()},
      {"epochs", last_line["epoch"]},
      {"epochs_configured", epochs_planned},
      {"stopped_early", stopped_early},
      {"best_epoch", best_line["epoch"]},
      {"selected_by", has_validation ? "val_accuracy" : "train_loss"},
      {"best", best_line},
      {"last", last_line},
      {"augmentation",
       augmenting ? nlohmann::json{{"views", views}, {"settings", config.augmentation.describe()}} : nlohmann::json()},
      {"fine_tune",
       fine_tune.enabled() ? nlohmann::json{{"epochs_run", stage == kFineTuneStage ? epoch - stage_start : 0},
                                            {"unfrozen_tensors", unfrozen_names.size()},
                                            {"unfrozen_blocks", backbone_blocks(unfrozen_names)}}
                           : nlohmann::json()},
      {"feature_extraction",
       {{"images", extracted},
        {"computed_by_backbone", computed_by_backbone},
        {"from_cache", extracted - computed_by_backbone},
        {"seconds", extraction_seconds},
        {"images_per_second", extraction_seconds > 0 ? extracted / extraction_seconds : 0.0},
        {"cache", cache_used ? nlohmann::json(cache_used->string()) : nlohmann::json("off")},
        {"cache_damaged_entries", damaged_cache_entries}}},
      {"backbone", {{"path", record.backbone_path}, {"sha256", record.backbone_sha256}, {"feature_dim", record.in_features}}},
      {"device", device.str()},
      {"cpu_threads", threads},
      {"seconds", total_seconds}};
  run.write_json(run.summary(), summary);
  spdlog::info("best epoch {} by {} ({:.4f}); run written to {}", best_line["epoch"].get<int>(),
               has_validation ? "validation accuracy" : "training loss", has_validation ? best.accuracy : best.loss,
               run.path().string());
  return summary;
}

}  // namespace tl
