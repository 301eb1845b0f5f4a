#include "tl/train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "tl/base/build_info.hpp"
#include "tl/base/error.hpp"
#include "tl/base/interruption.hpp"
#include "tl/base/progress.hpp"
#include "tl/base/utf8_text.hpp"
#include "tl/data/dataset.hpp"
#include "tl/data/experiment_data.hpp"
#include "tl/data/skipped_files.hpp"
#include "tl/data/split.hpp"
#include "tl/features/backbone.hpp"
#include "tl/features/cache_budget.hpp"
#include "tl/features/cpu_runtime.hpp"
#include "tl/features/device.hpp"
#include "tl/features/feature_precision.hpp"
#include "tl/features/parameter_selection.hpp"
#include "tl/model/checkpoint.hpp"
#include "tl/model/head.hpp"
#include "tl/run/backbone_summary.hpp"
#include "tl/run/run_directory.hpp"
#include "tl/run/run_lock.hpp"
#include "tl/run/run_summary.hpp"
#include "tl/train/class_balance.hpp"
#include "tl/train/epoch_steps.hpp"
#include "tl/train/fine_tune_stage.hpp"
#include "tl/train/head_stage.hpp"
#include "tl/train/logistic_probe_stage.hpp"
#include "tl/train/run_identity.hpp"
#include "tl/train/training_features.hpp"
#include "tl/train/training_state.hpp"

namespace tl {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

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

// A training run from start (or resume) to summary. The members are the run's whole state; each
// step of run() is one method, in the order data flows: data, backbone, features, head, stages.
class Trainer {
 public:
  Trainer(const Experiment& experiment, const TrainingOptions& options);
  RunSummary run();

 private:
  void open_data_and_backbone();
  void compute_features_and_make_head();
  void resume_from_last_checkpoint();
  std::unique_ptr<TrainingStage> make_stage(Stage stage);
  bool stage_over() const;
  // label_issues.json from the head stage's out-of-fold probabilities (train.folds).
  void write_label_issues(OutOfFoldProbabilities held_out) const;
  bool run_over() const;
  void train_every_epoch();
  void train_epoch();
  std::string how_to_resume() const;
  // Fine-tuning's backbone: the config allows it only with exactly one.
  Backbone& tuned_backbone() { return *backbones_.at(0).backbone; }
  BackboneSummary backbone_summary() const;
  void require_every_class(const std::vector<size_t>& train_labels, const std::string& what,
                           const std::string& why) const;
  RunSummary summary() const;

  const Experiment& experiment_;
  const TrainConfig& config_;
  const TrainingOptions options_;
  ProcessGroup alone_;
  ProcessGroup& group_;
  const bool writes_;  // only one rank writes the run directory
  const RunDirectory run_;
  std::optional<RunLock> lock_;  // rank 0's, held while the run directory is written
  const Clock::time_point started_ = Clock::now();
  const uint64_t seed_;
  int threads_ = 0;
  torch::Device device_ = torch::kCPU;

  std::optional<Dataset> dataset_;
  std::optional<Split> split_;
  std::vector<LoadedBackbone> backbones_;
  nlohmann::json feature_precision_ = nlohmann::json::array();  // PrecisionChoice per backbone
  std::vector<std::string> unfrozen_;
  SkippedFiles skipped_;
  std::optional<TrainingFeatures> features_;
  Head head_{nullptr};
  torch::Tensor class_weights_;
  CheckpointRecord record_;
  std::optional<TrainingState> state_;
  std::unique_ptr<TrainingStage> stage_;
};

Trainer::Trainer(const Experiment& experiment, const TrainingOptions& options)
    : experiment_(experiment),
      config_(experiment.train),
      options_(options),
      group_(options.group != nullptr ? *options.group : alone_),
      writes_(group_.writes()),
      run_(experiment.run_directory),
      seed_(static_cast<uint64_t>(experiment.seed)) {}

RunSummary Trainer::run() {
  if (options_.resume && !run_.holds_run()) throw Error(run_.path().string() + ": no run to resume (no config.json)");
  if (writes_) {
    lock_.emplace(run_.path());
    if (options_.resume) {
      run_.remove_stale_temporaries();
    } else {
      run_.claim(options_.overwrite);
    }
  }
  threads_ = configure_cpu_runtime(experiment_.threads);
  device_ = resolve_device(experiment_.device);
  torch::manual_seed(seed_);
  try {
    train_every_epoch();
  } catch (const Interrupted& interrupted) {
    throw Interrupted(interrupted.what() + how_to_resume());
  }
  const RunSummary written = summary();
  if (writes_) run_.write_json(run_.summary(), written.to_json());
  // Only after the run's files: pruning never delays or endangers them.
  if (writes_ && experiment_.cache &&
      (written.feature_extraction.computed_by_backbone > 0 || config_.fine_tune.enabled())) {
    keep_cache_within(experiment_.cache_directory, experiment_.cache_max_bytes);
  }
  return written;
}

void Trainer::train_every_epoch() {
  open_data_and_backbone();
  compute_features_and_make_head();
  if (options_.resume && std::filesystem::exists(run_.last_checkpoint())) {
    resume_from_last_checkpoint();
  } else {
    stage_ = make_stage(Stage::head);
  }
  const int epochs_planned = config_.epochs + config_.fine_tune.epochs;
  if (options_.resume && state_->epoch() > 0) {
    if (run_over()) {
      spdlog::info("{} already finished after epoch {}; nothing left to train", run_.path().string(), state_->epoch());
    } else {
      spdlog::info("resuming {} after epoch {} of {}", run_.path().string(), state_->epoch(), epochs_planned);
    }
  }
  while (!run_over()) {
    if (stage_over()) {
      state_->begin_stage(Stage::fine_tune);
      stage_ = make_stage(Stage::fine_tune);
    }
    train_epoch();
    // Every rank stops after the same epoch, whichever of them was interrupted.
    if (group_.any(interrupt_requested()) && !run_over()) {
      throw Interrupted(std::string("training interrupted (") + interrupt_name() + ") after epoch " +
                        std::to_string(state_->epoch()) + " of " + std::to_string(epochs_planned));
    }
  }
}

// Said on every interruption, wherever it struck: what is kept and the command that continues.
std::string Trainer::how_to_resume() const {
  if (!writes_ || !run_.holds_run()) return "";
  std::string kept;
  if (state_ && state_->epoch() > 0) {
    kept = run_.last_checkpoint().string() + " holds epoch " + std::to_string(state_->epoch());
  } else if (experiment_.cache) {
    kept = "the backbone features computed so far are cached";
  } else {
    kept = "no epoch finished yet";
  }
  return "; " + kept + ": continue with tl-train --resume " + run_.path().string();
}

// The training and validation features (computed or from the cache), then a fresh head and what
// its checkpoints record about the data and backbone it was trained on.
void Trainer::compute_features_and_make_head() {
  features_.emplace(group_, experiment_, *dataset_, *split_, backbones_, device_, skipped_);
  if (writes_) run_.write_json(run_.skipped(), skipped_.to_json());
  if (features_->damaged_cache_entries() > 0) {
    spdlog::warn("{} damaged feature cache entries were recomputed ({})", features_->damaged_cache_entries(),
                 experiment_.cache_directory.string());
  }
  if (features_->train_samples().empty()) {
    throw Error(experiment_.data.root.string() + ": none of the training images could be decoded");
  }
  const std::vector<int64_t>& decoded = features_->train_labels();
  require_every_class(std::vector<size_t>(decoded.begin(), decoded.end()), "no training image decodes for class ",
                      ": its files were all skipped (see " + run_.skipped().string() + "); fix or remove them");
  const bool has_validation = features_->validation().size() > 0;
  if (!has_validation) spdlog::warn("no validation images: best.pt is chosen by training loss");

  const auto class_count = static_cast<int64_t>(dataset_->class_names.size());
  head_ = Head(concatenated_feature_dim(backbones_), static_cast<int>(class_count), experiment_.model.head);
  head_->to(device_);
  if (config_.class_weights == ClassWeighting::balanced) {
    class_weights_ = balanced_class_weights(torch::tensor(features_->train_labels()), class_count).to(device_);
  }
  record_.class_names = dataset_->class_names;
  record_.run_identity = run_identity(experiment_, *dataset_, *split_);
  record_.head = experiment_.model.head;
  record_.in_features = concatenated_feature_dim(backbones_);
  for (const LoadedBackbone& loaded : backbones_) {
    record_.backbones.push_back(
        {loaded.backbone->path().string(), loaded.backbone->content_hash(), loaded.preprocessing.describe()});
  }
  state_.emplace(EarlyStoppingSettings{config_.early_stopping_patience, config_.early_stopping_min_delta},
                 has_validation, config_.select_epoch_by);
}

// A class without training images would still get an output the head never learns: an error naming
// every such class, between `what` and `why`.
void Trainer::require_every_class(const std::vector<size_t>& train_labels, const std::string& what,
                                  const std::string& why) const {
  std::vector<size_t> per_class(dataset_->class_names.size(), 0);
  for (const size_t label : train_labels) ++per_class[label];
  std::string unseen;
  for (size_t c = 0; c < per_class.size(); ++c) {
    if (per_class[c] == 0) unseen += (unseen.empty() ? "\"" : ", \"") + dataset_->class_names[c] + "\"";
  }
  if (!unseen.empty()) throw Error(experiment_.data.root.string() + ": " + what + unseen + why);
}

void Trainer::open_data_and_backbone() {
  dataset_ = load_dataset(layout_options(experiment_.data));
  for (const SkippedFile& file : dataset_->unusable) skipped_.add(file.path, file.reason);
  split_ = make_split(*dataset_, split_options(experiment_));
  if (split_->train.empty()) throw Error(experiment_.data.root.string() + ": no training images found");
  std::vector<size_t> train_labels;
  for (const size_t index : split_->train) train_labels.push_back(static_cast<size_t>(dataset_->samples[index].label));
  require_every_class(train_labels, "no training images for class ",
                      " (an empty folder, or too few images for the split); remove the class or add images");
  spdlog::info("{}: {} classes, {} train / {} val / {} test images ({} non-image files ignored)",
               experiment_.data.root.string(), dataset_->class_names.size(), split_->train.size(), split_->val.size(),
               split_->test.size(), dataset_->ignored_files);

  backbones_ = load_backbones(experiment_.model, experiment_.data, device_);
  for (const LoadedBackbone& loaded : backbones_) {
    spdlog::info("backbone {} ({} features, {})", loaded.backbone->path().string(), loaded.backbone->feature_dim(),
                 loaded.preprocessing.describe());
  }
  spdlog::info("{} CPU threads, device {}", threads_, device_.str());
  for (const LoadedBackbone& loaded : backbones_) {
    feature_precision_.push_back(choose_feature_precision(loaded, experiment_.model.precision, *dataset_, split_->train,
                                                          loader_options(experiment_.data), experiment_.cache_directory)
                                     .to_json());
  }
  if (config_.fine_tune.enabled()) unfrozen_ = parameters_to_unfreeze(tuned_backbone(), config_.fine_tune);

  if (!options_.resume || !std::filesystem::exists(run_.last_checkpoint())) {
    if (writes_) run_.start(experiment_, dataset_->class_names);
  } else if (run_.load_class_names() != dataset_->class_names) {
    throw Error(run_.classes().string() + ": the run's classes differ from the data's now; cannot resume");
  }
}

// last.pt holds the head, the optimizer, the generator and the training state as they were after
// its epoch: load them and carry on.
void Trainer::resume_from_last_checkpoint() {
  const std::filesystem::path last_path = run_.last_checkpoint();
  if (std::filesystem::exists(run_.summary())) {
    throw Error(run_.path().string() +
                ": this run has finished (it has its summary.json): there is nothing to resume; train a new run, "
                "or this one again with --overwrite");
  }
  LoadedCheckpoint last = load_checkpoint(last_path, device_);
  if (!last.record.run_identity.is_null()) {
    const std::string differences = run_identity_differences(last.record.run_identity, record_.run_identity);
    if (!differences.empty()) {
      throw Error(last_path.string() + ": was written by another run than the one to resume: " + differences +
                  ". Resume only with the settings the run started with (device, threads, cache and data loading "
                  "may change), or start again with --overwrite");
    }
  }
  // The same backbone contents and preprocessing, wherever the files are now.
  const auto same_backbones = [&](const std::vector<BackboneRecord>& trained) {
    return std::equal(trained.begin(), trained.end(), record_.backbones.begin(), record_.backbones.end(),
                      [](const BackboneRecord& a, const BackboneRecord& b) {
                        return a.sha256 == b.sha256 && a.preprocessing == b.preprocessing;
                      });
  };
  if (!same_backbones(last.record.backbones) || last.record.class_names != record_.class_names ||
      last.record.in_features != record_.in_features) {
    throw Error(last_path.string() +
                ": was trained with another backbone, preprocessing or classes "
                "than the data and config give now; cannot resume");
  }
  if (last.record.training_state.is_null()) {
    throw Error(last_path.string() +
                ": has no training state (written by an older tl); it can be evaluated, "
                "but a resumed run must start again");
  }
  head_ = last.head;
  state_ =
      TrainingState::from_json(last.record.training_state,
                               EarlyStoppingSettings{config_.early_stopping_patience, config_.early_stopping_min_delta},
                               state_->has_validation(), config_.select_epoch_by, last_path.string());
  // Lines written after last.pt (a crash between the two) are dropped: those epochs run again. So is a
  // torn last line; last.pt holds its own epoch's line, which stands in for one that is missing.
  std::vector<EpochMetrics> lines;
  for (const EpochMetrics& line : run_.load_metrics(RunDirectory::TornLastLine::dropped)) {
    if (line.epoch <= state_->epoch()) lines.push_back(line);
  }
  if ((lines.empty() || lines.back().epoch != state_->epoch()) && last.record.metrics.is_object()) {
    lines.push_back(EpochMetrics::from_json(last.record.metrics, last_path.string() + ": metrics"));
  }
  std::string missing;
  for (int epoch = 1, next = 0; epoch <= state_->epoch(); ++epoch) {
    while (static_cast<size_t>(next) < lines.size() && lines[static_cast<size_t>(next)].epoch < epoch) ++next;
    if (static_cast<size_t>(next) == lines.size() || lines[static_cast<size_t>(next)].epoch != epoch) {
      missing += (missing.empty() ? "" : ", ") + std::to_string(epoch);
    }
  }
  if (!missing.empty()) {
    spdlog::warn("{} has no line for epoch {}: the run resumes after epoch {}, and its curves have gaps there",
                 run_.metrics().string(), missing, state_->epoch());
  }
  if (writes_) run_.rewrite_metrics(lines);
  stage_ = make_stage(state_->stage());
  if (state_->stage() == Stage::fine_tune) tuned_backbone().load_tuned_state(last.backbone_state, last_path.string());
  if (stage_->optimizer() != nullptr) load_optimizer_state(last_path, *stage_->optimizer());
  // best.pt is written after last.pt: a crash between them leaves it one improvement behind.
  const nlohmann::json& best = state_->best_metrics();
  if (writes_ && !best.is_null() && best["epoch"].get<int>() == state_->epoch() &&
      (!std::filesystem::exists(run_.best_checkpoint()) ||
       load_checkpoint(run_.best_checkpoint(), torch::kCPU).record.epoch != state_->epoch())) {
    save_checkpoint(run_.best_checkpoint(), head_, stage_->optimizer(), last.record, last.backbone_state);
  }
  // Last: building heads (load_checkpoint) draws initial weights from this generator.
  restore_generator_state(last_path);
}

std::unique_ptr<TrainingStage> Trainer::make_stage(Stage stage) {
  switch (stage) {
    case Stage::head:
      if (experiment_.model.head.type == HeadType::logistic) {
        return std::make_unique<LogisticProbeStage>(head_, *features_, experiment_.model.head, config_, class_weights_,
                                                    seed_);
      }
      return std::make_unique<HeadStage>(head_, *features_, config_, class_weights_, seed_);
    case Stage::fine_tune:
      return std::make_unique<FineTuneStage>(tuned_backbone(), head_, *dataset_, *features_, config_, unfrozen_,
                                             class_weights_, seed_, skipped_);
  }
  throw Error("unknown training stage");
}

void Trainer::write_label_issues(OutOfFoldProbabilities held_out) const {
  std::vector<size_t> images = features_->train_samples();
  if (held_out.labels.size() > images.size()) {
    images.insert(images.end(), features_->validation_samples().begin(), features_->validation_samples().end());
  }
  for (const size_t image : images) held_out.paths.push_back(dataset_->samples[image].path);
  const LabelIssues issues = find_label_issues(held_out, dataset_->class_names);
  run_.write_json(run_.label_issues(), issues.to_json());
  spdlog::info("label issues: {} of {} images are more probable in another class out of fold; the most doubtful: {}",
               issues.issues.size(), issues.images_checked, run_.label_issues().string());
}

bool Trainer::stage_over() const {
  const int stage_epochs = state_->stage() == Stage::head ? config_.epochs : config_.fine_tune.epochs;
  return state_->stage_over(stage_epochs);
}

bool Trainer::run_over() const {
  return stage_over() && (state_->stage() == Stage::fine_tune || !config_.fine_tune.enabled());
}

void Trainer::train_epoch() {
  const auto epoch_start = Clock::now();
  const int epoch = state_->epoch();
  const int stage_epoch = state_->stage_epoch();
  const std::optional<double> lr = stage_->learning_rate(stage_epoch);
  const int epochs_planned = config_.epochs + config_.fine_tune.epochs;
  // A bar for the epoch in flight on a terminal; the epoch's line below takes its place.
  std::optional<Progress> progress;
  const auto batch_done = [&](int64_t done, int64_t total) {
    if (!progress) {
      progress.emplace("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(epochs_planned),
                       static_cast<size_t>(total), "batch", Progress::Logging::terminal_only);
    }
    progress->advance(static_cast<size_t>(done) - progress->done());
    if (options_.on_batch_end) options_.on_batch_end(epoch + 1, done, total);
  };
  const auto [trained, validated] = stage_->run_epoch(epoch, stage_epoch, batch_done);
  if (const nlohmann::json fit = stage_->report(); stage_->kind() == Stage::head && !fit.empty()) {
    state_->record_head_fit(fit);
  }
  if (std::optional<OutOfFoldProbabilities> held_out = stage_->out_of_fold(); held_out && writes_) {
    write_label_issues(std::move(*held_out));
  }
  const double seconds = seconds_since(epoch_start);
  const bool has_validation = state_->has_validation();
  EpochMetrics metrics;
  metrics.epoch = epoch + 1;
  metrics.stage = name_of(state_->stage());
  metrics.lr = lr;
  metrics.train_loss = trained.loss;
  metrics.train_accuracy = trained.accuracy;
  if (has_validation) {
    metrics.val_loss = validated.loss;
    metrics.val_accuracy = validated.accuracy;
  }
  metrics.seconds = seconds;
  metrics.images_per_second = seconds > 0 ? trained.samples / seconds : 0.0;
  const nlohmann::json line = metrics.to_json();
  const bool best = state_->finish_epoch(trained, validated, line);
  if (writes_) {
    run_.append_metrics(metrics);
    record_.epoch = state_->epoch();
    record_.metrics = line;
    record_.training_state = state_->to_json();
    const NamedTensors tuned = config_.fine_tune.enabled() ? tuned_backbone().tuned_state() : NamedTensors{};
    save_checkpoint(run_.last_checkpoint(), head_, stage_->optimizer(), record_, tuned);
    if (best) save_checkpoint(run_.best_checkpoint(), head_, stage_->optimizer(), record_, tuned);
  }
  if (options_.on_epoch_end) options_.on_epoch_end(metrics);

  if (progress) progress->erase();
  // Without validation images (said once when training starts) there is no val column to show.
  std::string validation_columns;
  if (has_validation)
    validation_columns = fmt::format(" | val loss {:.4f} acc {:.3f}", validated.loss, validated.accuracy);
  std::string step = "solved";
  if (lr) {
    step = fmt::format("lr {:.3g}", *lr);
  } else if (!state_->head_fit().is_null()) {
    step = fmt::format("l2 {:.3g}", state_->head_fit()["chosen_l2"].get<double>());
  }
  spdlog::info("epoch {}/{} ({}): loss {:.4f} acc {:.3f}{} | {} | {:.1f}s{}", epoch + 1, epochs_planned,
               name_of(state_->stage()), trained.loss, trained.accuracy, validation_columns, step, seconds,
               best ? " | best" : "");
  if (state_->early_stopping().should_stop()) {
    spdlog::info("early stopping ({}): {} loss has not fallen for {} epochs", name_of(state_->stage()),
                 has_validation ? "validation" : "training", state_->early_stopping().stale_epochs());
  }
}

// What the last stage trains: the values each rank's gradient all-reduce carries every step (a
// solved head: its own parameters).
int64_t trained_parameters(const torch::optim::Optimizer* optimizer, const Head& head) {
  int64_t values = 0;
  if (optimizer == nullptr) {
    for (const auto& parameter : head->parameters()) values += parameter.numel();
    return values;
  }
  for (const auto& group : optimizer->param_groups()) {
    for (const auto& parameter : group.params()) values += parameter.numel();
  }
  return values;
}

BackboneSummary Trainer::backbone_summary() const {
  BackboneSummary summary;
  for (const LoadedBackbone& loaded : backbones_) {
    summary.parts.push_back(
        {path_text(loaded.backbone->path()), loaded.backbone->content_hash(), loaded.backbone->feature_dim()});
  }
  return summary;
}

RunSummary Trainer::summary() const {
  const Augmentation& augmentation = config_.augmentation;
  const FineTuneConfig& fine_tune = config_.fine_tune;
  RunSummary summary;
  summary.name = experiment_.name;
  summary.tl_version = tl_version();
  summary.tl_commit = tl_commit();
  summary.command_line = utf8_text(options_.command_line);
  summary.run_directory = run_.path().string();
  summary.classes = dataset_->class_names;
  summary.samples = {static_cast<long long>(features_->train_samples().size()),
                     static_cast<long long>(features_->validation_samples().size()),
                     static_cast<long long>(split_->test.size())};
  summary.class_counts = {class_counts(*dataset_, split_->train), class_counts(*dataset_, split_->val),
                          class_counts(*dataset_, split_->test)};
  summary.skipped_files = static_cast<long long>(skipped_.count());
  summary.best = EpochMetrics::from_json(state_->best_metrics(), "the best epoch's metrics");
  summary.last = EpochMetrics::from_json(state_->last_metrics(), "the last epoch's metrics");
  summary.epochs = summary.last.epoch;
  summary.epochs_configured = config_.epochs + fine_tune.epochs;
  summary.stopped_early = state_->stopped_early();
  summary.best_epoch = summary.best.epoch;
  summary.selected_by = state_->has_validation() ? name_of(config_.select_epoch_by) : "train_loss";
  if (augmentation.enabled())
    summary.augmentation = {{"views", features_->views()}, {"settings", augmentation.describe()}};
  summary.head_fit = state_->head_fit();
  if (fine_tune.enabled()) {
    summary.fine_tune = {{"epochs_run", state_->stage() == Stage::fine_tune ? state_->stage_epoch() : 0},
                         {"unfrozen_tensors", unfrozen_.size()},
                         {"unfrozen_blocks", backbone_blocks(unfrozen_)}};
    if (stage_ && stage_->kind() == Stage::fine_tune) summary.fine_tune.update(stage_->report());
  }
  summary.eval_tta = name_of(experiment_.eval.tta);
  summary.feature_extraction = features_->statistics();
  summary.feature_precision = feature_precision_;
  summary.backbone = backbone_summary();
  summary.device = device_.str();
  summary.cpu_threads = threads_;
  summary.ranks = group_.size();
  summary.trained_parameters = stage_ ? trained_parameters(stage_->optimizer(), head_) : 0;
  summary.seconds = seconds_since(started_);
  return summary;
}

}  // namespace

RunSummary train(const Experiment& experiment, const TrainingOptions& options) {
  return Trainer(experiment, options).run();
}

}  // namespace tl
