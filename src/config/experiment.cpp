#include "tl/config/experiment.hpp"

#include <algorithm>
#include <limits>

#include "tl/base/utf8_text.hpp"
#include "tl/config/cache_directory.hpp"
#include "tl/config/config_reader.hpp"
#include "tl/config/directory_name.hpp"

namespace tl {
namespace {

constexpr int kIntMax = std::numeric_limits<int>::max();

DataConfig read_data(ConfigReader reader) {
  DataConfig data;
  data.layout = reader.required_choice("layout", kLayouts);
  data.root = reader.required_path("root");
  const bool oxford = data.layout == Layout::oxford_pets;
  if (!oxford && reader.has("target")) reader.fail("target", "only used by layout oxford_pets");
  if (oxford && reader.has("test_fraction")) {
    reader.fail("test_fraction", "not used by layout oxford_pets, which has an official test split");
  }
  if (oxford) data.target = reader.choice("target", kOxfordTargets, data.target);
  if (reader.has("val_fold")) {
    if (reader.has("val_fraction")) {
      reader.fail("val_fold",
                  "replaces val_fraction (the fold is the validation split): give one of them (on the command "
                  "line, --set data.val_fraction=null takes a config's away)");
    }
    ConfigReader fold = reader.section("val_fold");
    ValidationFold chosen;
    chosen.of = fold.integer("of", chosen.of, 2, 100);
    chosen.index = fold.integer("index", chosen.index, 0, 99);
    if (chosen.index >= chosen.of) {
      fold.fail("index", "expected a fold number below of (" + std::to_string(chosen.of) + "), got " +
                             std::to_string(chosen.index));
    }
    fold.finish();
    data.val_fold = chosen;
    data.val_fraction = 1.0 / chosen.of;  // what the validation split holds, for the checks below
  } else {
    data.val_fraction = reader.number("val_fraction", data.val_fraction, 0.0, 0.9);
  }
  data.test_fraction = oxford ? 0.0 : reader.number("test_fraction", data.test_fraction, 0.0, 0.9);
  if (data.val_fraction + data.test_fraction > 0.9) {
    reader.fail(data.val_fold ? "val_fold" : "val_fraction",
                "val_fraction + test_fraction must leave at least 10% for training");
  }
  data.image_size = reader.optional_integer("image_size", 8, kMaxInputSide);
  if (reader.has("interpolation")) {
    data.interpolation =
        parse_interpolation(reader.choice("interpolation", {"linear", "area", "cubic", "antialias"}, ""));
  }
  data.reduced_decode = reader.boolean("reduced_decode", data.reduced_decode);
  data.batch_size = reader.integer("batch_size", data.batch_size, 0, 4096);
  data.workers = reader.integer("workers", data.workers, 0, 256);
  data.prefetch = reader.integer("prefetch", data.prefetch, 1, 1024);
  data.shuffle_buffer = reader.integer("shuffle_buffer", data.shuffle_buffer, 0, 10000000);
  if (data.shuffle_buffer > 0 && data.layout != Layout::shards) {
    reader.fail("shuffle_buffer", "only used by layout shards (loose files are read in any order)");
  }
  reader.finish();
  return data;
}

HeadConfig read_head(ConfigReader reader) {
  HeadConfig head;
  head.type = reader.choice("type", kHeadTypes, head.type);
  const bool logistic = head.type == HeadType::logistic;
  if (head.type != HeadType::mlp && reader.has("hidden")) reader.fail("hidden", "only used by head type mlp");
  head.hidden = head.type == HeadType::mlp ? reader.integers("hidden", head.hidden, 1, 1 << 16) : std::vector<int>{};
  if (head.type == HeadType::mlp && head.hidden.empty()) reader.fail("hidden", "expected at least one hidden size");
  if (logistic && reader.has("dropout"))
    reader.fail("dropout", "not used by head type logistic (its L2 penalty regularises)");
  head.dropout = logistic ? 0.0 : reader.number("dropout", head.dropout, 0.0, 0.99);
  for (const char* key : {"l2", "standardize", "max_iterations"}) {
    if (!logistic && reader.has(key)) reader.fail(key, "only used by head type logistic");
  }
  if (logistic) {
    head.l2 = reader.numbers("l2", default_l2_grid(), 0.0, 1e6);
    head.standardize = reader.boolean("standardize", head.standardize);
    head.max_iterations = reader.integer("max_iterations", head.max_iterations, 1, 1000000);
  }
  reader.finish();
  return head;
}

ModelConfig read_model(ConfigReader reader) {
  ModelConfig model;
  for (const auto& file : reader.required_paths("backbone")) model.backbones.push_back({file, {}, {}});
  if (model.backbones.size() > 1) {
    // Several backbones: metadata files in the same order, or each backbone's default.
    if (reader.has("metadata")) {
      const auto files = reader.required_paths("metadata");
      if (files.size() != model.backbones.size()) {
        reader.fail("metadata", "with " + std::to_string(model.backbones.size()) +
                                    " backbones, expected a list of as many metadata files (one per backbone), got " +
                                    std::to_string(files.size()));
      }
      for (size_t i = 0; i < files.size(); ++i) model.backbones[i].metadata = files[i];
    }
  } else if (reader.is_mapping("metadata")) {
    const nlohmann::json& fields = *reader.mapping("metadata");
    for (const auto& [key, value] : fields.items()) {
      const auto& known = kBackboneMetadataFields;
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        std::string names;
        for (const char* name : known) names += (names.empty() ? "" : ", ") + std::string(name);
        reader.fail("metadata." + key, "unknown key (known keys here: " + names + ")");
      }
    }
    BackboneMetadata& metadata =
        model.backbones[0].inline_metadata.emplace(parse_backbone_metadata(fields, reader.location("metadata") + "."));
    metadata.source = reader.location("metadata");
  } else {
    model.backbones[0].metadata = reader.optional_path("metadata");
  }
  model.head = read_head(reader.section("head"));
  model.precision = reader.choice("precision", kPrecisions, model.precision);
  reader.finish();
  return model;
}

OptimizerConfig read_optimizer(ConfigReader reader) {
  OptimizerConfig optimizer;
  optimizer.kind = reader.choice("name", kOptimizerKinds, optimizer.kind);
  optimizer.lr = reader.number("lr", optimizer.lr, 1e-12, 100.0);
  const bool sgd = optimizer.kind == OptimizerKind::sgd;
  for (const char* key : {"momentum", "nesterov"}) {
    if (!sgd && reader.has(key)) reader.fail(key, "only used by optimizer sgd");
  }
  optimizer.momentum = sgd ? reader.number("momentum", optimizer.momentum, 0.0, 0.9999) : 0.0;
  optimizer.nesterov = sgd ? reader.boolean("nesterov", optimizer.nesterov) : false;
  if (optimizer.nesterov && optimizer.momentum == 0.0) reader.fail("nesterov", "requires momentum > 0");
  optimizer.weight_decay = reader.number("weight_decay", optimizer.weight_decay, 0.0, 10.0);
  reader.finish();
  return optimizer;
}

ScheduleConfig read_schedule(ConfigReader reader) {
  ScheduleConfig schedule;
  schedule.kind = reader.choice("name", kScheduleKinds, schedule.kind);
  const bool step = schedule.kind == ScheduleKind::step;
  for (const char* key : {"step_size", "gamma"}) {
    if (!step && reader.has(key)) reader.fail(key, "only used by schedule step");
  }
  schedule.step_size = step ? reader.integer("step_size", schedule.step_size, 1, kIntMax) : 0;
  schedule.gamma = step ? reader.number("gamma", schedule.gamma, 0.0, 1.0) : 1.0;
  schedule.warmup_epochs = reader.number("warmup_epochs", schedule.warmup_epochs, 0.0, 100000.0);
  reader.finish();
  return schedule;
}

Augmentation read_augmentation(ConfigReader reader, int epochs) {
  Augmentation augmentation;
  augmentation.random_resized_crop = reader.boolean("random_resized_crop", augmentation.random_resized_crop);
  for (const char* key : {"crop_scale", "crop_ratio"}) {
    if (!augmentation.random_resized_crop && reader.has(key))
      reader.fail(key, "only used with random_resized_crop: true");
  }
  if (augmentation.random_resized_crop) {
    const auto scale =
        reader.number_range("crop_scale", {augmentation.crop_scale[0], augmentation.crop_scale[1]}, 0.01, 1.0);
    const auto ratio =
        reader.number_range("crop_ratio", {augmentation.crop_ratio[0], augmentation.crop_ratio[1]}, 0.05, 20.0);
    augmentation.crop_scale = {scale[0], scale[1]};
    augmentation.crop_ratio = {ratio[0], ratio[1]};
  }
  augmentation.horizontal_flip = reader.boolean("horizontal_flip", augmentation.horizontal_flip);
  augmentation.brightness = reader.number("brightness", augmentation.brightness, 0.0, 1.0);
  augmentation.contrast = reader.number("contrast", augmentation.contrast, 0.0, 1.0);
  augmentation.saturation = reader.number("saturation", augmentation.saturation, 0.0, 1.0);
  if (augmentation.enabled()) {
    augmentation.views = reader.integer("views", epochs, 1, 100000);
  } else if (reader.has("views")) {
    reader.fail("views", "only used when an augmentation is on (random_resized_crop, horizontal_flip or a jitter)");
  }
  reader.finish();
  return augmentation;
}

FineTuneConfig read_fine_tune(ConfigReader reader, double head_lr, size_t backbones) {
  FineTuneConfig fine_tune;
  fine_tune.epochs = reader.integer("epochs", fine_tune.epochs, 0, 100000);
  if (fine_tune.enabled() && backbones > 1) {
    reader.fail("epochs", "fine-tuning trains one backbone, and model.backbone lists " + std::to_string(backbones) +
                              "; fine-tune a single backbone, or train the head alone on the concatenated features");
  }
  if (!fine_tune.enabled()) {
    for (const char* key : {"unfreeze_blocks", "unfreeze", "lr", "backbone_lr_multiplier", "bn", "cache_prefix"}) {
      if (reader.has(key)) reader.fail(key, "only used when fine_tune.epochs > 0");
    }
    reader.finish();
    return fine_tune;
  }
  if (reader.has("unfreeze_blocks") == reader.has("unfreeze")) {
    reader.fail("unfreeze_blocks",
                "fine-tuning needs exactly one of unfreeze_blocks (the last N blocks) or unfreeze "
                "(parameter-name patterns)");
  }
  fine_tune.unfreeze_blocks = reader.has("unfreeze_blocks") ? reader.integer("unfreeze_blocks", 1, 1, 100000) : 0;
  fine_tune.unfreeze = reader.has("unfreeze") ? reader.strings("unfreeze", {}) : std::vector<std::string>{};
  if (reader.has("unfreeze") && fine_tune.unfreeze.empty()) reader.fail("unfreeze", "expected at least one pattern");
  fine_tune.lr = reader.number("lr", head_lr / 10, 1e-12, 100.0);
  fine_tune.backbone_lr_multiplier =
      reader.number("backbone_lr_multiplier", fine_tune.backbone_lr_multiplier, 0.0, 100.0);
  fine_tune.bn = reader.choice("bn", kBatchNormPolicies, fine_tune.bn);
  fine_tune.cache_prefix = reader.boolean("cache_prefix", fine_tune.cache_prefix);
  reader.finish();
  return fine_tune;
}

TrainConfig read_train(ConfigReader reader, const ModelConfig& model) {
  const HeadType head = model.head.type;
  TrainConfig train;
  const bool logistic = head == HeadType::logistic;
  if (logistic && reader.has("epochs")) {
    reader.fail("epochs",
                "not used by head type logistic (the default), which is fitted in one solve (see "
                "model.head.max_iterations); for a head trained by epochs set model.head.type: linear or mlp");
  }
  // The logistic head's solve is the head stage's one epoch.
  train.epochs = logistic ? 1 : reader.integer("epochs", train.epochs, 1, 100000);

  train.batch_size = reader.integer("batch_size", train.batch_size, 1, 1 << 20);
  train.optimizer = read_optimizer(reader.section("optimizer"));
  train.schedule = read_schedule(reader.section("schedule"));
  train.label_smoothing = reader.number("label_smoothing", train.label_smoothing, 0.0, 0.99);
  train.clip_grad_norm = reader.number("clip_grad_norm", train.clip_grad_norm, 0.0, 1e6);
  train.class_weights = reader.choice("class_weights", kClassWeightings, train.class_weights);
  train.sampling = reader.choice("sampling", kSamplings, train.sampling);
  train.augmentation = read_augmentation(reader.section("augmentation"), train.epochs);
  train.fine_tune = read_fine_tune(reader.section("fine_tune"), train.optimizer.lr, model.backbones.size());
  ConfigReader early_stopping = reader.section("early_stopping");
  train.early_stopping_patience = early_stopping.integer("patience", train.early_stopping_patience, 0, 100000);
  train.early_stopping_min_delta = early_stopping.number("min_delta", train.early_stopping_min_delta, 0.0, 1e6);
  early_stopping.finish();
  train.select_epoch_by = reader.choice("select_epoch_by", kEpochSelections, train.select_epoch_by);
  for (const char* key : {"select_by", "refit", "folds"}) {
    if (!logistic && reader.has(key)) reader.fail(key, "only used by head type logistic");
  }
  if (logistic) {
    train.select_by = reader.choice("select_by", kSelectionMetrics, train.select_by);
    train.refit = reader.boolean("refit", !train.fine_tune.enabled());
    if (train.refit && train.fine_tune.enabled()) {
      reader.fail("refit",
                  "fine-tuning needs the validation images held out to choose its best epoch; "
                  "set refit: false");
    }
    train.folds = reader.integer("folds", train.folds, 0, 1000);
    if (train.folds == 1) {
      reader.fail("folds", "one fold holds no images out: give 0 (choose on the validation split) or at least 2");
    }
  }
  reader.finish();
  if (train.schedule.warmup_epochs >= train.epochs) {
    reader.fail("schedule", "warmup_epochs must be less than epochs (" + std::to_string(train.epochs) + ")");
  }
  if (train.fine_tune.enabled() && train.schedule.warmup_epochs >= train.fine_tune.epochs) {
    reader.fail("schedule", "warmup_epochs (which each stage starts with) must be less than fine_tune.epochs (" +
                                std::to_string(train.fine_tune.epochs) + ")");
  }
  return train;
}

// auto | cpu | cuda | cuda:N
bool is_device_name(const std::string& name) {
  if (name == "auto" || name == "cpu" || name == "cuda") return true;
  const std::string prefix = "cuda:";
  const std::string index = name.substr(0, prefix.size()) == prefix ? name.substr(prefix.size()) : "";
  return !index.empty() && index.size() <= 4 &&
         std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string default_name(const ConfigSource& source) {
  const std::string stem = std::filesystem::path(source.file_label).stem().string();
  return stem.empty() ? "run" : stem;
}

}  // namespace

Experiment load_experiment(const ConfigSource& source) {
  ConfigReader reader(source);
  Experiment experiment;
  experiment.name = reader.string("name", default_name(source));
  if (const auto problem = directory_name_problem(experiment.name, "the run directory")) reader.fail("name", *problem);
  experiment.seed = reader.integer("seed", experiment.seed, 0, kIntMax);
  experiment.device = reader.string("device", experiment.device);
  if (!is_device_name(experiment.device)) {
    reader.fail("device", "expected one of auto|cpu|cuda|cuda:N, got \"" + experiment.device + "\"");
  }
  experiment.threads = reader.integer("threads", experiment.threads, 0, 1024);
  if (reader.is_mapping("cache")) {  // cache: {enabled: on, max_bytes: 20G}
    ConfigReader cache = reader.section("cache");
    experiment.cache = cache.choice("enabled", {"on", "off"}, "on") == "on";
    experiment.cache_max_bytes = cache.byte_size("max_bytes");
    cache.finish();
  } else {
    experiment.cache = reader.choice("cache", {"on", "off"}, "on") == "on";
  }
  experiment.cache_directory = reader.optional_path("cache_dir").value_or(default_cache_directory());
  experiment.data = read_data(reader.section("data"));
  experiment.model = read_model(reader.section("model"));
  experiment.train = read_train(reader.section("train"), experiment.model);
  if (experiment.data.shuffle_buffer > 0 && experiment.train.sampling == Sampling::balanced) {
    reader.section("data").fail("shuffle_buffer",
                                "streams each shard once per epoch, which balanced sampling (draws with "
                                "replacement) cannot do: use one of them");
  }
  if (experiment.model.head.l2.size() > 1 && experiment.data.val_fraction == 0.0 && experiment.train.folds == 0) {
    reader.section("model").section("head").fail(
        "l2",
        "choosing among several L2 strengths needs held-out images (data.val_fraction > 0, or train.folds >= 2 "
        "for k-fold cross-validation); give one value to fit without a choice");
  }
  ConfigReader eval = reader.section("eval");
  experiment.eval.tta = eval.choice("tta", kTestTimeAugmentations, experiment.eval.tta);
  experiment.eval.calibration = eval.choice("calibration", kProbabilityCalibrations, experiment.eval.calibration);
  eval.finish();

  ConfigReader output = reader.section("output");
  const auto directory = output.optional_path("dir");
  experiment.run_directory =
      directory ? *directory : (std::filesystem::current_path() / "runs" / experiment.name).lexically_normal();
  output.finish();
  reader.finish();

  experiment.resolved = reader.resolved();
  // Defaults that depend on the machine are recorded too, so config.json says where things went.
  experiment.resolved["output"]["dir"] = path_text(experiment.run_directory);
  experiment.resolved["cache_dir"] = path_text(experiment.cache_directory);
  return experiment;
}

Experiment load_experiment_file(const std::filesystem::path& path, const std::vector<std::string>& overrides) {
  ConfigSource source = ConfigSource::from_file(path);
  for (const auto& assignment : overrides) source.apply_override(assignment);
  return load_experiment(source);
}

}  // namespace tl
