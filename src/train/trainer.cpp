#include "tl/trainer.hpp"

#include <chrono>
#include <cmath>
#include <numeric>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "tl/backbone.hpp"
#include "tl/checkpoint.hpp"
#include "tl/class_balance.hpp"
#include "tl/dataset.hpp"
#include "tl/device.hpp"
#include "tl/error.hpp"
#include "tl/feature_cache.hpp"
#include "tl/feature_extraction.hpp"
#include "tl/head.hpp"
#include "tl/interruption.hpp"
#include "tl/lr_schedule.hpp"
#include "tl/optimizer.hpp"
#include "tl/progress.hpp"
#include "tl/run_directory.hpp"
#include "tl/split.hpp"

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

EpochResult train_epoch(Head& head, torch::optim::Optimizer& optimizer, const DeviceFeatures& data,
                        const TrainConfig& config, const LrSchedule& schedule, const torch::Tensor& class_weights,
                        int epoch, uint64_t seed) {
  head->train();
  std::vector<size_t> order(static_cast<size_t>(data.size()));
  std::iota(order.begin(), order.end(), 0);
  portable_shuffle(order, seed * 7919u + static_cast<uint64_t>(epoch));
  const auto order_tensor =
      torch::tensor(std::vector<int64_t>(order.begin(), order.end()), torch::kInt64).to(data.labels.device());
  const int64_t batches = (data.size() + config.batch_size - 1) / config.batch_size;
  auto loss_options = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(config.label_smoothing);
  if (class_weights.defined()) loss_options.weight(class_weights);
  EpochResult result;
  double loss_sum = 0;
  int64_t correct = 0;
  for (int64_t b = 0; b < batches; ++b) {
    set_learning_rate(optimizer, schedule.at(epoch + static_cast<double>(b) / batches));
    const auto rows = order_tensor.slice(0, b * config.batch_size, std::min(data.size(), (b + 1) * config.batch_size));
    const auto inputs = data.features.index_select(0, rows);
    const auto targets = data.labels.index_select(0, rows);
    optimizer.zero_grad();
    const auto logits = head->forward(inputs);
    const auto loss = torch::nn::functional::cross_entropy(logits, targets, loss_options);
    const double loss_value = loss.item<double>();
    if (!std::isfinite(loss_value)) {
      throw Error("training diverged: loss is " + std::to_string(loss_value) + " in epoch " + std::to_string(epoch + 1) +
                  " (lower train.optimizer.lr)");
    }
    loss.backward();
    if (config.clip_grad_norm > 0) torch::nn::utils::clip_grad_norm_(head->parameters(), config.clip_grad_norm);
    optimizer.step();
    loss_sum += loss_value * rows.size(0);
    correct += logits.argmax(1).eq(targets).sum().item<int64_t>();
  }
  result.samples = data.size();
  result.loss = loss_sum / std::max<int64_t>(1, data.size());
  result.accuracy = static_cast<double>(correct) / std::max<int64_t>(1, data.size());
  return result;
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
  torch::manual_seed(static_cast<uint64_t>(experiment.seed));

  const Dataset dataset = load_dataset({experiment.data.layout, experiment.data.root, experiment.data.target});
  const Split split = make_split(dataset, {experiment.data.val_fraction, experiment.data.test_fraction,
                                           static_cast<uint64_t>(experiment.seed)});
  if (split.train.empty()) throw Error(experiment.data.root.string() + ": no training images found");
  spdlog::info("{}: {} classes, {} train / {} val / {} test images ({} non-image files ignored)",
               experiment.data.root.string(), dataset.class_names.size(), split.train.size(), split.val.size(),
               split.test.size(), dataset.ignored_files);

  LoadedBackbone loaded = load_backbone(experiment.model, experiment.data, device);
  spdlog::info("backbone {} ({} features, {}), {} CPU threads, device {}", experiment.model.backbone.string(),
               loaded.backbone->feature_dim(), loaded.preprocessing.describe(), threads, device.str());

  if (!options.resume || !std::filesystem::exists(run.last_checkpoint())) {
    run.start(experiment, dataset.class_names);
  } else if (run.load_class_names() != dataset.class_names) {
    throw Error(run.classes().string() + ": the run's classes differ from the data's now; cannot resume");
  }

  SkippedFiles skipped;
  const LoaderOptions loader{experiment.data.batch_size, experiment.data.workers, experiment.data.prefetch};
  std::optional<FeatureCache> cache;
  if (experiment.cache) {
    cache = open_feature_cache(experiment.cache_directory, loaded.backbone->content_hash(), loaded.preprocessing.describe());
  }
  FeatureCache* cache_pointer = cache ? &*cache : nullptr;
  const FeatureSet train_set = extract_features(*loaded.backbone, dataset, split.train, loaded.preprocessing, loader,
                                                skipped, cache_pointer, "features (train)");
  const FeatureSet val_set = extract_features(*loaded.backbone, dataset, split.val, loaded.preprocessing, loader,
                                              skipped, cache_pointer, "features (val)");
  run.write_json(run.skipped(), skipped.to_json());
  if (cache && cache->statistics().damaged > 0) {
    spdlog::warn("{} damaged feature cache entries were recomputed ({})", cache->statistics().damaged,
                 cache->directory().string());
  }
  if (train_set.size() == 0) throw Error(experiment.data.root.string() + ": none of the training images could be decoded");
  const double extraction_seconds = train_set.seconds + val_set.seconds;
  const int64_t extracted = train_set.size() + val_set.size();

  const DeviceFeatures train_data = to_device(train_set, device);
  const DeviceFeatures val_data = to_device(val_set, device);
  const bool has_validation = val_data.size() > 0;
  if (!has_validation) spdlog::warn("no validation images: best.pt is chosen by training loss");

  const int64_t class_count = static_cast<int64_t>(dataset.class_names.size());
  Head head(loaded.backbone->feature_dim(), static_cast<int>(class_count), experiment.model.head);
  head->to(device);
  auto optimizer = make_optimizer(experiment.train.optimizer, head->parameters());
  const LrSchedule schedule(experiment.train.schedule, experiment.train.optimizer.lr, experiment.train.epochs);
  torch::Tensor class_weights;
  if (experiment.train.class_weights == "balanced") {
    class_weights = balanced_class_weights(train_set.labels, class_count).to(device);
  }

  CheckpointRecord record;
  record.class_names = dataset.class_names;
  record.head = experiment.model.head;
  record.in_features = loaded.backbone->feature_dim();
  record.backbone_path = loaded.backbone->path().string();
  record.backbone_sha256 = loaded.backbone->content_hash();
  record.preprocessing = loaded.preprocessing.describe();

  EpochResult best;
  nlohmann::json best_line, last_line;
  int first_epoch = 0;
  EarlyStopping early_stopping(experiment.train.early_stopping_patience, experiment.train.early_stopping_min_delta);
  if (options.resume && std::filesystem::exists(run.last_checkpoint())) {
    LoadedCheckpoint last = load_checkpoint(run.last_checkpoint(), device);
    if (last.record.backbone_sha256 != record.backbone_sha256 || last.record.preprocessing != record.preprocessing ||
        last.record.class_names != record.class_names || last.record.in_features != record.in_features) {
      throw Error(run.last_checkpoint().string() + ": was trained with another backbone, preprocessing or classes "
                                                   "than the data and config give now; cannot resume");
    }
    head = last.head;
    optimizer = make_optimizer(experiment.train.optimizer, head->parameters());
    load_optimizer_state(run.last_checkpoint(), *optimizer);
    first_epoch = last.record.epoch;
    // Lines written after last.pt (a crash between the two) are dropped: those epochs run again.
    std::vector<nlohmann::json> lines;
    for (const auto& line : run.load_metrics()) {
      if (line["epoch"].get<int>() <= first_epoch) lines.push_back(line);
    }
    run.rewrite_metrics(lines);
    for (const auto& line : lines) {
      const EpochResult selection = selection_of(line, has_validation);
      if (improves(selection, best, best_line.is_null(), has_validation)) {
        best = selection;
        best_line = line;
      }
      early_stopping.observe(selection.loss);
      last_line = line;
    }
    // best.pt is written after last.pt: a crash between them leaves it one improvement behind.
    if (!best_line.is_null() && best_line["epoch"].get<int>() == first_epoch &&
        (!std::filesystem::exists(run.best_checkpoint()) ||
         load_checkpoint(run.best_checkpoint(), torch::kCPU).record.epoch != first_epoch)) {
      save_checkpoint(run.best_checkpoint(), head, optimizer.get(), last.record);
    }
    // Last: building heads (load_checkpoint) draws initial weights from this generator.
    restore_generator_state(run.last_checkpoint());
    if (first_epoch >= experiment.train.epochs || early_stopping.should_stop()) {
      spdlog::info("{} already finished after epoch {}; nothing left to train", run.path().string(), first_epoch);
    } else {
      spdlog::info("resuming {} after epoch {} of {}", run.path().string(), first_epoch, experiment.train.epochs);
    }
  }

  bool stopped_early = early_stopping.should_stop();
  // A bar on a terminal; one log line per epoch otherwise.
  std::optional<Progress> progress;
  if (Progress::on_terminal() && first_epoch < experiment.train.epochs && !stopped_early) {
    progress.emplace("epochs", static_cast<size_t>(experiment.train.epochs - first_epoch), "epoch");
  }
  for (int epoch = first_epoch; epoch < experiment.train.epochs && !stopped_early; ++epoch) {
    const auto epoch_start = std::chrono::steady_clock::now();
    const double lr = schedule.at(epoch);
    const EpochResult trained = train_epoch(head, *optimizer, train_data, experiment.train, schedule, class_weights,
                                            epoch, static_cast<uint64_t>(experiment.seed));
    const EpochResult validated = evaluate_epoch(head, val_data, experiment.train.label_smoothing);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
    nlohmann::json line = {{"epoch", epoch + 1},
                           {"lr", lr},
                           {"train_loss", trained.loss},
                           {"train_accuracy", trained.accuracy},
                           {"val_loss", has_validation ? nlohmann::json(validated.loss) : nlohmann::json()},
                           {"val_accuracy", has_validation ? nlohmann::json(validated.accuracy) : nlohmann::json()},
                           {"seconds", seconds},
                           {"images_per_second", seconds > 0 ? trained.samples / seconds : 0.0}};
    run.append_metrics(line);
    record.epoch = epoch + 1;
    record.metrics = line;
    save_checkpoint(run.last_checkpoint(), head, optimizer.get(), record);
    const EpochResult& selection = has_validation ? validated : trained;
    if (improves(selection, best, best_line.is_null(), has_validation)) {
      best = selection;
      best_line = line;
      save_checkpoint(run.best_checkpoint(), head, optimizer.get(), record);
    }
    early_stopping.observe(selection.loss);
    last_line = line;
    char status[160];
    std::snprintf(status, sizeof status, "loss %.4f acc %.3f | val loss %.4f acc %.3f", trained.loss, trained.accuracy,
                  validated.loss, validated.accuracy);
    if (progress) {
      progress->advance(1, status);
    } else {
      spdlog::info("epoch {}/{}: {}", epoch + 1, experiment.train.epochs, status);
    }
    stopped_early = early_stopping.should_stop();
    if (stopped_early) {
      spdlog::info("early stopping: {} loss has not fallen for {} epochs", has_validation ? "validation" : "training",
                   early_stopping.stale_epochs());
    }
    if (interrupt_requested() && epoch + 1 < experiment.train.epochs && !stopped_early) {
      throw Interrupted("training interrupted after epoch " + std::to_string(epoch + 1) + " of " +
                        std::to_string(experiment.train.epochs) + "; " + run.last_checkpoint().string() +
                        " is saved: continue with tl-train --resume " + run.path().string());
    }
  }
  if (progress) progress->finish();

  const double total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const nlohmann::json summary = {
      {"name", experiment.name},
      {"run_directory", run.path().string()},
      {"classes", dataset.class_names},
      {"samples", {{"train", train_set.size()}, {"val", val_set.size()}, {"test", split.test.size()}}},
      {"skipped_files", skipped.count()},
      {"epochs", last_line["epoch"]},
      {"epochs_configured", experiment.train.epochs},
      {"stopped_early", stopped_early},
      {"best_epoch", best_line["epoch"]},
      {"selected_by", has_validation ? "val_accuracy" : "train_loss"},
      {"best", best_line},
      {"last", last_line},
      {"feature_extraction",
       {{"images", extracted},
        {"computed_by_backbone", train_set.computed + val_set.computed},
        {"from_cache", extracted - train_set.computed - val_set.computed},
        {"seconds", extraction_seconds},
        {"images_per_second", extraction_seconds > 0 ? extracted / extraction_seconds : 0.0},
        {"cache", cache ? nlohmann::json(cache->directory().string()) : nlohmann::json("off")},
        {"cache_damaged_entries", cache ? cache->statistics().damaged : 0}}},
      {"backbone",
       {{"path", record.backbone_path}, {"sha256", record.backbone_sha256}, {"feature_dim", record.in_features}}},
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
