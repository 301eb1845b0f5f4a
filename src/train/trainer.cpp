#include "tl/trainer.hpp"

#include <chrono>
#include <cmath>
#include <numeric>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "tl/backbone.hpp"
#include "tl/checkpoint.hpp"
#include "tl/dataset.hpp"
#include "tl/device.hpp"
#include "tl/error.hpp"
#include "tl/feature_cache.hpp"
#include "tl/feature_extraction.hpp"
#include "tl/head.hpp"
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
                        const TrainConfig& config, const LrSchedule& schedule, int epoch, uint64_t seed) {
  head->train();
  std::vector<size_t> order(static_cast<size_t>(data.size()));
  std::iota(order.begin(), order.end(), 0);
  portable_shuffle(order, seed * 7919u + static_cast<uint64_t>(epoch));
  const auto order_tensor =
      torch::tensor(std::vector<int64_t>(order.begin(), order.end()), torch::kInt64).to(data.labels.device());
  const int64_t batches = (data.size() + config.batch_size - 1) / config.batch_size;
  const auto loss_options = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(config.label_smoothing);
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

}  // namespace

nlohmann::json train(const Experiment& experiment, const TrainingOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  const RunDirectory run(experiment.run_directory);
  run.claim(options.overwrite);
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

  run.start(experiment, dataset.class_names);

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

  Head head(loaded.backbone->feature_dim(), static_cast<int>(dataset.class_names.size()), experiment.model.head);
  head->to(device);
  auto optimizer = make_optimizer(experiment.train.optimizer, head->parameters());
  const LrSchedule schedule(experiment.train.schedule, experiment.train.optimizer.lr, experiment.train.epochs);

  CheckpointRecord record;
  record.class_names = dataset.class_names;
  record.head = experiment.model.head;
  record.in_features = loaded.backbone->feature_dim();
  record.backbone_path = loaded.backbone->path().string();
  record.backbone_sha256 = loaded.backbone->content_hash();
  record.preprocessing = loaded.preprocessing.describe();

  EpochResult best;
  nlohmann::json best_line, last_line;
  // A bar on a terminal; one log line per epoch otherwise.
  std::optional<Progress> progress;
  if (Progress::on_terminal()) progress.emplace("epochs", static_cast<size_t>(experiment.train.epochs), "epoch");
  for (int epoch = 0; epoch < experiment.train.epochs; ++epoch) {
    const auto epoch_start = std::chrono::steady_clock::now();
    const double lr = schedule.at(epoch);
    const EpochResult trained = train_epoch(head, *optimizer, train_data, experiment.train, schedule, epoch,
                                            static_cast<uint64_t>(experiment.seed));
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
    if (improves(selection, best, epoch == 0, has_validation)) {
      best = selection;
      best_line = line;
      save_checkpoint(run.best_checkpoint(), head, optimizer.get(), record);
    }
    last_line = line;
    char status[160];
    std::snprintf(status, sizeof status, "loss %.4f acc %.3f | val loss %.4f acc %.3f", trained.loss, trained.accuracy,
                  validated.loss, validated.accuracy);
    if (progress) {
      progress->advance(1, status);
    } else {
      spdlog::info("epoch {}/{}: {}", epoch + 1, experiment.train.epochs, status);
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
      {"epochs", experiment.train.epochs},
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
