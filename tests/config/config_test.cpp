// Config files: YAML and JSON share one schema; every invalid field is an error naming the file,
// the field path and what was expected; --set overrides; paths resolve against the config's folder.
#include <gtest/gtest.h>

#include "support/temp_directory.hpp"
#include "tl/base/error.hpp"
#include "tl/config/config_source.hpp"
#include "tl/config/experiment.hpp"

namespace {

using tl::testing::TempDirectory;
using tl::testing::write_file;

const char* kMinimalYaml = R"(
data:
  layout: petimages
  root: data/pets
model:
  backbone: models/backbone.pt
)";

// The minimal config with a head trained by epochs (the default, the logistic probe, has none).
const std::string kEpochHeadYaml = std::string(kMinimalYaml) + "  head: {type: linear}\n";

std::string error_of(const std::filesystem::path& file, const std::vector<std::string>& overrides = {}) {
  try {
    tl::load_experiment_file(file, overrides);
  } catch (const tl::Error& error) {
    return error.what();
  }
  return "no error";
}

TEST(Config, YamlAndJsonGiveTheSameExperiment) {
  TempDirectory dir;
  write_file(dir / "a.yaml", kEpochHeadYaml + "train:\n  epochs: 3\n  optimizer: {name: sgd, lr: 0.01}\n");
  write_file(dir / "a.json", R"({"data": {"layout": "petimages", "root": "data/pets"},
    "model": {"backbone": "models/backbone.pt", "head": {"type": "linear"}},
    "train": {"epochs": 3, "optimizer": {"name": "sgd", "lr": 0.01}}})");
  const auto yaml = tl::load_experiment_file(dir / "a.yaml");
  const auto json = tl::load_experiment_file(dir / "a.json");
  EXPECT_EQ(yaml.resolved, json.resolved);
  EXPECT_EQ(yaml.train.epochs, 3);
  EXPECT_EQ(yaml.train.optimizer.kind, tl::OptimizerKind::sgd);
  EXPECT_DOUBLE_EQ(yaml.train.optimizer.lr, 0.01);
  EXPECT_DOUBLE_EQ(yaml.train.optimizer.momentum, 0.9);
  EXPECT_EQ(yaml.name, "a");
}

TEST(Config, RelativePathsResolveAgainstTheConfigDirectory) {
  TempDirectory dir;
  write_file(dir / "configs" / "x.yaml", kMinimalYaml);
  const auto experiment = tl::load_experiment_file(dir / "configs" / "x.yaml");
  EXPECT_EQ(experiment.data.root, (dir / "configs" / "data" / "pets").lexically_normal());
  EXPECT_EQ(experiment.model.backbones.at(0).file, (dir / "configs" / "models" / "backbone.pt").lexically_normal());
  EXPECT_EQ(experiment.resolved["data"]["root"], experiment.data.root.string());
  EXPECT_EQ(experiment.run_directory, std::filesystem::current_path() / "runs" / "x");
}

TEST(Config, DefaultsAreRecordedInTheResolvedTree) {
  TempDirectory dir;
  write_file(dir / "x.yaml", kMinimalYaml);
  const auto experiment = tl::load_experiment_file(dir / "x.yaml");
  EXPECT_EQ(experiment.resolved["model"]["head"]["type"], "logistic") << "the strongest recipe needs no settings";
  EXPECT_EQ(experiment.resolved["model"]["head"]["l2"].size(), tl::default_l2_grid().size());
  EXPECT_EQ(experiment.resolved["train"]["refit"], true);
  EXPECT_EQ(experiment.resolved["train"]["folds"], 0);
  EXPECT_FALSE(experiment.resolved["train"].contains("epochs")) << "one solve, no epochs to set";
  EXPECT_EQ(experiment.resolved["device"], "auto");
  EXPECT_EQ(experiment.resolved["cache_dir"], experiment.cache_directory.string()) << "it was null";
  EXPECT_FALSE(experiment.cache_directory.empty());

  write_file(dir / "linear.yaml", kEpochHeadYaml);
  const auto linear = tl::load_experiment_file(dir / "linear.yaml");
  EXPECT_EQ(linear.resolved["train"]["epochs"], 10);
  EXPECT_EQ(linear.resolved["train"]["optimizer"]["name"], "adam");
  EXPECT_FALSE(linear.resolved["train"]["optimizer"].contains("momentum")) << "adam has no momentum";
  EXPECT_FALSE(linear.resolved["train"].contains("refit")) << "only the logistic head refits";
}

TEST(Config, ResolvedTreeReloadsToTheSameExperiment) {
  TempDirectory dir;
  write_file(dir / "x.yaml", std::string(kMinimalYaml) + "train: {optimizer: {name: sgd, nesterov: true}}\n");
  const auto first = tl::load_experiment_file(dir / "x.yaml");
  const auto reloaded = tl::load_experiment(tl::ConfigSource::from_json(first.resolved, "config.json", "/elsewhere"));
  EXPECT_EQ(reloaded.resolved, first.resolved);
  EXPECT_EQ(reloaded.data.root, first.data.root);
  EXPECT_TRUE(reloaded.train.optimizer.nesterov);
}

TEST(Config, OverridesReplaceValuesAndAreValidated) {
  TempDirectory dir;
  write_file(dir / "x.yaml", kEpochHeadYaml);
  const auto experiment =
      tl::load_experiment_file(dir / "x.yaml", {"train.epochs=2", "train.optimizer.lr=0.5", "model.head.type=mlp",
                                                "model.head.hidden=[64, 32]", "name=quick", "data.root=elsewhere"});
  EXPECT_EQ(experiment.train.epochs, 2);
  EXPECT_DOUBLE_EQ(experiment.train.optimizer.lr, 0.5);
  EXPECT_EQ(experiment.model.head.hidden, (std::vector<int>{64, 32}));
  EXPECT_EQ(experiment.name, "quick");
  // A path typed on the command line is relative to where the user typed it.
  EXPECT_EQ(experiment.data.root, std::filesystem::current_path() / "elsewhere");

  // The error names what the user typed, not the file that was fine.
  EXPECT_EQ(error_of(dir / "x.yaml", {"train.epochs=zero"}),
            "--set train.epochs=zero: train.epochs: expected an integer in [1, 100000], got \"zero\"");
  EXPECT_EQ(error_of(dir / "x.yaml", {"train.epoch=3"}).rfind("--set train.epoch=3: train.epoch: unknown key", 0), 0u);
  EXPECT_EQ(
      error_of(dir / "x.yaml", {"data={layout: folders}"}),
      "--set data={layout: folders}: data.layout: expected one of petimages|oxford_pets|image_folder|list|shards, got "
      "\"folders\"")
      << "a key inside a section the --set replaced";
  EXPECT_EQ(tl::load_experiment_file(dir / "x.yaml", {"model.precision=bfloat16"}).model.precision,
            tl::Precision::bfloat16);
  EXPECT_EQ(tl::load_experiment_file(dir / "x.yaml").model.precision, tl::Precision::automatic);
  const auto bounded = tl::load_experiment_file(dir / "x.yaml", {"cache={enabled: off, max_bytes: 20G}"});
  EXPECT_FALSE(bounded.cache);
  EXPECT_EQ(bounded.cache_max_bytes, int64_t{20} << 30);
  EXPECT_FALSE(tl::load_experiment_file(dir / "x.yaml", {"cache={max_bytes: auto}"}).cache_max_bytes.has_value());
  EXPECT_EQ(tl::load_experiment_file(dir / "x.yaml", {"cache={max_bytes: 1000000}"}).cache_max_bytes, 1000000);
  EXPECT_EQ(error_of(dir / "x.yaml", {"cache={max_bytes: 20X}"}),
            "--set cache={max_bytes: 20X}: cache.max_bytes: expected a size in bytes such as 20G, 500M or 1000000, "
            "or auto, got \"20X\"");
  EXPECT_EQ(error_of(dir / "x.yaml", {"model.precision=fp16"}),
            "--set model.precision=fp16: model.precision: expected one of auto|float32|bfloat16, got \"fp16\"");
  write_file(dir / "bad_epochs.yaml", kEpochHeadYaml + "train: {epochs: zero}\n");
  EXPECT_EQ(error_of(dir / "bad_epochs.yaml", {"train.optimizer.lr=0.1"}).rfind((dir / "bad_epochs.yaml").string(), 0),
            0u)
      << "a --set elsewhere in the section does not take the blame";
  EXPECT_NE(error_of(dir / "x.yaml", {"noequals"}).find("expected key.path=value"), std::string::npos);
  // 4096 was allowed, and needed more than 12 GB at the default batch size.
  EXPECT_NE(
      error_of(dir / "x.yaml", {"data.image_size=4096"}).find("data.image_size: expected an integer in [8, 1024]"),
      std::string::npos)
      << error_of(dir / "x.yaml", {"data.image_size=4096"});
  EXPECT_EQ(error_of(dir / "x.yaml", {"train.epochs="}), "--set train.epochs=: expected a value after '='")
      << "an empty value once restored the default silently";
}

struct InvalidCase {
  const char* name;
  const char* yaml;
  const char* expected_message;  // the whole message after "<file>: "
};

class InvalidConfig : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidConfig, NamesFileFieldAndExpectation) {
  TempDirectory dir;
  write_file(dir / "x.yaml", GetParam().yaml);
  EXPECT_EQ(error_of(dir / "x.yaml"), (dir / "x.yaml").string() + ": " + GetParam().expected_message);
}

INSTANTIATE_TEST_SUITE_P(
    Config, InvalidConfig,
    ::testing::Values(
        InvalidCase{"misspelt_layout", "data: {layout: petimage, root: d}\nmodel: {backbone: b.pt}\n",
                    "data.layout: expected one of petimages|oxford_pets|image_folder|list|shards, got \"petimage\""},
        InvalidCase{"missing_layout", "data: {root: d}\nmodel: {backbone: b.pt}\n",
                    "data.layout: required, expected one of petimages|oxford_pets|image_folder|list|shards"},
        InvalidCase{"missing_root", "data: {layout: petimages}\nmodel: {backbone: b.pt}\n",
                    "data.root: required, expected a path"},
        InvalidCase{"shuffle_buffer_of_loose_files",
                    "data: {layout: image_folder, root: d, shuffle_buffer: 100}\nmodel: {backbone: b.pt}\n",
                    "data.shuffle_buffer: only used by layout shards (loose files are read in any order)"},
        InvalidCase{"shuffle_buffer_with_balanced_draws",
                    "data: {layout: shards, root: d, shuffle_buffer: 100}\nmodel: {backbone: b.pt, head: {type: "
                    "linear}}\ntrain: {epochs: 2, sampling: balanced}\n",
                    "data.shuffle_buffer: streams each shard once per epoch, which balanced sampling (draws with "
                    "replacement) cannot do: use one of them"},
        InvalidCase{"missing_backbone", "data: {layout: petimages, root: d}\n",
                    "model.backbone: required, expected a path or a list of paths"},
        InvalidCase{"empty_backbone_list", "data: {layout: petimages, root: d}\nmodel: {backbone: []}\n",
                    "model.backbone: expected a path or a non-empty list of paths, got a list []"},
        InvalidCase{"backbone_list_of_numbers", "data: {layout: petimages, root: d}\nmodel: {backbone: [a.pt, 3]}\n",
                    "model.backbone: expected a list of paths, got 3"},
        InvalidCase{"metadata_per_backbone",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: [a.pt, b.pt], metadata: a.json}\n",
                    "model.metadata: with 2 backbones, expected a list of as many metadata files (one per backbone), "
                    "got 1"},
        InvalidCase{"fine_tuning_several_backbones",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: [a.pt, b.pt]}\n"
                    "train: {fine_tune: {epochs: 2, unfreeze_blocks: 1}}\n",
                    "train.fine_tune.epochs: fine-tuning trains one backbone, and model.backbone lists 2; fine-tune "
                    "a single backbone, or train the head alone on the concatenated features"},
        InvalidCase{"unknown_top_level_key", "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt}\nepochs: 3\n",
                    "epochs: unknown key (known keys here: name, seed, device, threads, cache, cache_dir, data, model, "
                    "train, eval, output)"},
        InvalidCase{
            "unknown_nested_key",
            "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt}\ntrain: {optimizer: {name: adam, lrr: 1}}\n",
            "train.optimizer.lrr: unknown key (known keys here: name, lr, weight_decay)"},
        InvalidCase{"wrong_type", "data: {layout: petimages, root: d, batch_size: [1]}\nmodel: {backbone: b.pt}\n",
                    "data.batch_size: expected an integer in [0, 4096], got a list [1]"},
        InvalidCase{"out_of_range", "data: {layout: petimages, root: d, val_fraction: 1.5}\nmodel: {backbone: b.pt}\n",
                    "data.val_fraction: expected a number in [0.0, 0.9], got 1.5"},
        InvalidCase{
            "fractions_leave_no_training",
            "data: {layout: petimages, root: d, val_fraction: 0.5, test_fraction: 0.45}\nmodel: {backbone: b.pt}\n",
            "data.val_fraction: val_fraction + test_fraction must leave at least 10% for training"},
        InvalidCase{"target_outside_oxford",
                    "data: {layout: petimages, root: d, target: breed}\nmodel: {backbone: b.pt}\n",
                    "data.target: only used by layout oxford_pets"},
        InvalidCase{"test_fraction_with_official_split",
                    "data: {layout: oxford_pets, root: d, test_fraction: 0.2}\nmodel: {backbone: b.pt}\n",
                    "data.test_fraction: not used by layout oxford_pets, which has an official test split"},
        InvalidCase{
            "momentum_for_adam",
            "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt}\ntrain: {optimizer: {momentum: 0.5}}\n",
            "train.optimizer.momentum: only used by optimizer sgd"},
        InvalidCase{"bad_device", "device: gpu\ndata: {layout: petimages, root: d}\nmodel: {backbone: b.pt}\n",
                    "device: expected one of auto|cpu|cuda|cuda:N, got \"gpu\""},
        InvalidCase{"section_not_a_mapping", "data: petimages\nmodel: {backbone: b.pt}\n",
                    "data: expected a mapping of settings, got \"petimages\""},
        InvalidCase{"hidden_for_linear_head",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt, head: {hidden: [3]}}\n",
                    "model.head.hidden: only used by head type mlp"},
        InvalidCase{"epochs_for_logistic_head",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt, head: {type: logistic}}\n"
                    "train: {epochs: 3}\n",
                    "train.epochs: not used by head type logistic (the default), which is fitted in one solve (see "
                    "model.head.max_iterations); for a head trained by epochs set model.head.type: linear or mlp"},
        // A config written when the Adam-trained linear head was the default says what changed.
        InvalidCase{"epochs_without_a_head_type",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt}\ntrain: {epochs: 30}\n",
                    "train.epochs: not used by head type logistic (the default), which is fitted in one solve (see "
                    "model.head.max_iterations); for a head trained by epochs set model.head.type: linear or mlp"},
        InvalidCase{
            "dropout_for_logistic_head",
            "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt, head: {type: logistic, dropout: 0.5}}\n",
            "model.head.dropout: not used by head type logistic (its L2 penalty regularises)"},
        InvalidCase{"l2_for_linear_head",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt, head: {type: linear, l2: 0.1}}\n",
                    "model.head.l2: only used by head type logistic"},
        InvalidCase{
            "l2_grid_without_validation",
            "data: {layout: petimages, root: d, val_fraction: 0}\nmodel: {backbone: b.pt, head: {type: logistic}}\n",
            "model.head.l2: choosing among several L2 strengths needs held-out images (data.val_fraction > 0, or "
            "train.folds >= 2 for k-fold cross-validation); give one value to fit without a choice"},
        InvalidCase{
            "val_fold_and_val_fraction",
            "data: {layout: petimages, root: d, val_fraction: 0.2, val_fold: {index: 1}}\nmodel: {backbone: b.pt}\n",
            "data.val_fold: replaces val_fraction (the fold is the validation split): give one of them (on the "
            "command line, --set data.val_fraction=null takes a config's away)"},
        InvalidCase{"val_fold_index_beyond_folds",
                    "data: {layout: petimages, root: d, val_fold: {index: 5, of: 5}}\nmodel: {backbone: b.pt}\n",
                    "data.val_fold.index: expected a fold number below of (5), got 5"},
        InvalidCase{"one_fold",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt, head: {type: logistic}}\n"
                    "train: {folds: 1}\n",
                    "train.folds: one fold holds no images out: give 0 (choose on the validation split) or at least 2"},
        InvalidCase{"folds_for_linear_head",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt, head: {type: linear}}\n"
                    "train: {folds: 5}\n",
                    "train.folds: only used by head type logistic"},
        InvalidCase{"empty_l2_grid",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt, head: {type: logistic, l2: []}}\n",
                    "model.head.l2: expected a number or a non-empty list of numbers in [0.0, 1000000.0], got a list "
                    "[]"},
        InvalidCase{"refit_before_fine_tuning",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt, head: {type: logistic}}\n"
                    "train: {refit: true, fine_tune: {epochs: 2, unfreeze_blocks: 1}}\n",
                    "train.refit: fine-tuning needs the validation images held out to choose its best epoch; set "
                    "refit: false"},
        InvalidCase{"select_by_for_linear_head",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt, head: {type: linear}}\n"
                    "train: {select_by: accuracy}\n",
                    "train.select_by: only used by head type logistic"},
        InvalidCase{"unknown_tta", "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt}\neval: {tta: crops}\n",
                    "eval.tta: expected one of none|flip, got \"crops\""},
        InvalidCase{"warmup_longer_than_training",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt, head: {type: linear}}\n"
                    "train: {epochs: 3, schedule: {warmup_epochs: 3}}\n",
                    "train.schedule: warmup_epochs must be less than epochs (3)"},
        InvalidCase{"unknown_class_weights",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt}\ntrain: {class_weights: inverse}\n",
                    "train.class_weights: expected one of none|balanced, got \"inverse\""},
        InvalidCase{"crop_scale_without_crop",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt}\n"
                    "train: {augmentation: {crop_scale: [0.5, 1]}}\n",
                    "train.augmentation.crop_scale: only used with random_resized_crop: true"},
        InvalidCase{"crop_scale_reversed",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt}\n"
                    "train: {augmentation: {random_resized_crop: true, crop_scale: [0.9, 0.5]}}\n",
                    "train.augmentation.crop_scale: expected [low, high] with 0.01 <= low <= high <= 1.0, got a list "
                    "[0.9,0.5]"},
        InvalidCase{"views_without_augmentation",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt}\ntrain: {augmentation: {views: 4}}\n",
                    "train.augmentation.views: only used when an augmentation is on (random_resized_crop, "
                    "horizontal_flip or a jitter)"},
        InvalidCase{"fine_tune_without_what_to_unfreeze",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt}\ntrain: {fine_tune: {epochs: 2}}\n",
                    "train.fine_tune.unfreeze_blocks: fine-tuning needs exactly one of unfreeze_blocks (the last N "
                    "blocks) or unfreeze (parameter-name patterns)"},
        InvalidCase{"fine_tune_settings_without_epochs",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt}\n"
                    "train: {fine_tune: {unfreeze_blocks: 2}}\n",
                    "train.fine_tune.unfreeze_blocks: only used when fine_tune.epochs > 0"},
        InvalidCase{"unknown_bn_policy",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt}\n"
                    "train: {fine_tune: {epochs: 2, unfreeze_blocks: 1, bn: update}}\n",
                    "train.fine_tune.bn: expected one of frozen|train, got \"update\""},
        InvalidCase{"unknown_sampling",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt}\ntrain: {sampling: oversample}\n",
                    "train.sampling: expected one of shuffle|balanced, got \"oversample\""},
        InvalidCase{"inline_metadata_missing_field",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt, metadata: {input_size: 224, "
                    "mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], color: RGB}}\n",
                    "model.metadata.feature_dim: expected a positive integer (missing). tl needs input_size [H, W], "
                    "mean [3], std [3], color (RGB|BGR) and feature_dim to use a backbone"},
        InvalidCase{"inline_metadata_unknown_field",
                    "data: {layout: petimages, root: d}\nmodel: {backbone: b.pt, metadata: {input_size: 224, "
                    "mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], color: RGB, feature_dim: 8, colour: RGB}}\n",
                    "model.metadata.colour: unknown key (known keys here: input_size, mean, std, color, feature_dim, "
                    "resize_shorter, interpolation)"}),
    [](const ::testing::TestParamInfo<InvalidCase>& param_info) { return std::string(param_info.param.name); });

TEST(Config, BackboneMetadataCanBeGivenInline) {
  TempDirectory dir;
  write_file(dir / "x.yaml", std::string(kMinimalYaml) +
                                 "  metadata: {input_size: [96, 128], mean: [0.1, 0.2, 0.3], std: [1, 2, 3], "
                                 "color: BGR, feature_dim: 64, interpolation: area}\n");
  const auto experiment = tl::load_experiment_file(dir / "x.yaml");
  ASSERT_TRUE(experiment.model.backbones.at(0).inline_metadata.has_value());
  EXPECT_FALSE(experiment.model.backbones.at(0).metadata.has_value());
  const auto& metadata = *experiment.model.backbones.at(0).inline_metadata;
  EXPECT_EQ(metadata.input_height, 96);
  EXPECT_EQ(metadata.input_width, 128);
  EXPECT_EQ(metadata.feature_dim, 64);
  EXPECT_EQ(metadata.color, tl::ChannelOrder::bgr);
  EXPECT_EQ(metadata.interpolation, tl::Interpolation::area);
  EXPECT_FLOAT_EQ(metadata.std[2], 3.0f);
  // A run's config.json reloads to the same metadata.
  const auto reloaded =
      tl::load_experiment(tl::ConfigSource::from_json(experiment.resolved, "config.json", "/elsewhere"));
  ASSERT_TRUE(reloaded.model.backbones.at(0).inline_metadata.has_value());
  EXPECT_EQ(reloaded.model.backbones.at(0).inline_metadata->preprocessing().describe(),
            metadata.preprocessing().describe());
  // A path still names a JSON file.
  const auto with_file = tl::load_experiment_file(dir / "x.yaml", {"model.metadata=meta.json"});
  EXPECT_EQ(with_file.model.backbones.at(0).metadata, std::filesystem::current_path() / "meta.json");
  EXPECT_FALSE(with_file.model.backbones.at(0).inline_metadata.has_value());
}

TEST(Config, SeveralBackbonesResolveInOrderWithTheirMetadataFiles) {
  TempDirectory dir;
  write_file(dir / "x.yaml",
             "data: {layout: petimages, root: d}\n"
             "model: {backbone: [models/v2.pt, /abs/v1.pt], metadata: [models/v2.json, v1.json]}\n");
  const auto experiment = tl::load_experiment_file(dir / "x.yaml");
  ASSERT_EQ(experiment.model.backbones.size(), 2u);
  EXPECT_EQ(experiment.model.backbones[0].file, dir / "models/v2.pt");
  EXPECT_EQ(experiment.model.backbones[1].file, "/abs/v1.pt");
  EXPECT_EQ(experiment.model.backbones[0].metadata, dir / "models/v2.json");
  EXPECT_EQ(experiment.model.backbones[1].metadata, dir / "v1.json");
  // config.json keeps the list (resolved) and reloads to the same backbones.
  EXPECT_EQ(experiment.resolved["model"]["backbone"], nlohmann::json({(dir / "models/v2.pt").string(), "/abs/v1.pt"}));
  const auto reloaded =
      tl::load_experiment(tl::ConfigSource::from_json(experiment.resolved, "config.json", "/elsewhere"));
  ASSERT_EQ(reloaded.model.backbones.size(), 2u);
  EXPECT_EQ(reloaded.model.backbones[1].file, "/abs/v1.pt");
  EXPECT_EQ(reloaded.model.backbones[1].metadata, dir / "v1.json");
  // One backbone is still recorded as a single path.
  EXPECT_TRUE(tl::load_experiment_file(dir / "x.yaml", {"model.backbone=one.pt", "model.metadata=one.json"})
                  .resolved["model"]["backbone"]
                  .is_string());
}

TEST(Config, AugmentationAndFineTuningDefaultsAreResolved) {
  TempDirectory dir;
  write_file(dir / "x.yaml", kEpochHeadYaml +
                                 "train:\n  epochs: 12\n  optimizer: {lr: 0.01}\n"
                                 "  augmentation: {horizontal_flip: true}\n"
                                 "  fine_tune: {epochs: 3, unfreeze: [layer4]}\n");
  const tl::Experiment experiment = tl::load_experiment_file(dir / "x.yaml");
  EXPECT_TRUE(experiment.train.augmentation.enabled());
  EXPECT_EQ(experiment.train.augmentation.views, 12) << "a fresh view per epoch unless views says otherwise";
  EXPECT_DOUBLE_EQ(experiment.train.fine_tune.lr, 0.001) << "a tenth of the head's rate";
  EXPECT_EQ(experiment.train.fine_tune.bn, tl::BatchNormPolicy::frozen);
  EXPECT_EQ(experiment.train.fine_tune.unfreeze, std::vector<std::string>{"layer4"});
  EXPECT_EQ(experiment.resolved["train"]["augmentation"]["views"], 12);
  EXPECT_EQ(experiment.resolved["train"]["fine_tune"]["backbone_lr_multiplier"], 0.1);
  EXPECT_EQ(experiment.resolved["train"]["sampling"], "shuffle");
}

// Names become directory names: a 50,000-character one is an error naming the limit (it once
// overflowed the stack inside std::regex), and "." or ".." never name the runs folder itself.
TEST(Config, RunNamesAreCheckedWithoutRegularExpressions) {
  TempDirectory dir;
  write_file(dir / "x.yaml", kMinimalYaml);
  EXPECT_NE(error_of(dir / "x.yaml", {"name=" + std::string(50000, 'a')})
                .find("name: expected at most 255 characters (it names the run directory), got 50000"),
            std::string::npos);
  EXPECT_NE(error_of(dir / "x.yaml", {"name=.."}).find("name: expected a name other than"), std::string::npos);
  EXPECT_NE(error_of(dir / "x.yaml", {"name=a/b"}).find("name: expected letters, digits"), std::string::npos);
  EXPECT_EQ(error_of(dir / "x.yaml", {"name=" + std::string(255, 'a')}), "no error");
  for (const char* device : {"auto", "cpu", "cuda", "cuda:0", "cuda:12"}) {
    EXPECT_EQ(error_of(dir / "x.yaml", {std::string("device=") + device}), "no error") << device;
  }
  for (const char* device : {"cuda:", "cuda:x", "gpu", "cuda:99999", "cpu "}) {
    EXPECT_NE(error_of(dir / "x.yaml", {std::string("device=\"") + device + "\""}).find("device: expected one of"),
              std::string::npos)
        << device;
  }
}

// Every choice a config can spell reaches the code as its enum value, so nothing accepted by the
// config can be forgotten downstream (the code switches over the enums without a default).
TEST(Config, EveryChoiceSpellingBecomesItsEnumValue) {
  const auto load = [](const std::string& key, const std::string& value) {
    tl::ConfigSource source = tl::ConfigSource::from_json(
        nlohmann::json::parse(R"({"data": {"layout": "petimages", "root": "d"}, "model": {"backbone": "b.pt"}})"),
        "choices.json", "/tmp");
    source.apply_override(key + "=" + value);
    if (key == "train.fine_tune.bn") {
      source.apply_override("train.fine_tune.epochs=2");
      source.apply_override("train.fine_tune.unfreeze_blocks=1");
    }
    if (key == "data.target") source.apply_override("data.layout=oxford_pets");
    return tl::load_experiment(source);
  };
  for (const tl::Layout layout : tl::kLayouts) EXPECT_EQ(load("data.layout", tl::name_of(layout)).data.layout, layout);
  for (const tl::OxfordTarget target : tl::kOxfordTargets) {
    EXPECT_EQ(load("data.target", tl::name_of(target)).data.target, target);
  }
  for (const tl::HeadType type : tl::kHeadTypes)
    EXPECT_EQ(load("model.head.type", tl::name_of(type)).model.head.type, type);
  for (const tl::OptimizerKind kind : tl::kOptimizerKinds) {
    EXPECT_EQ(load("train.optimizer.name", tl::name_of(kind)).train.optimizer.kind, kind);
  }
  for (const tl::ScheduleKind kind : tl::kScheduleKinds) {
    EXPECT_EQ(load("train.schedule.name", tl::name_of(kind)).train.schedule.kind, kind);
  }
  for (const tl::ClassWeighting weighting : tl::kClassWeightings) {
    EXPECT_EQ(load("train.class_weights", tl::name_of(weighting)).train.class_weights, weighting);
  }
  for (const tl::Sampling sampling : tl::kSamplings) {
    EXPECT_EQ(load("train.sampling", tl::name_of(sampling)).train.sampling, sampling);
  }
  for (const tl::BatchNormPolicy policy : tl::kBatchNormPolicies) {
    EXPECT_EQ(load("train.fine_tune.bn", tl::name_of(policy)).train.fine_tune.bn, policy);
  }
  for (const tl::TestTimeAugmentation tta : tl::kTestTimeAugmentations) {
    EXPECT_EQ(load("eval.tta", tl::name_of(tta)).eval.tta, tta);
  }
}

TEST(Config, LogisticHeadDefaultsAreResolved) {
  const auto load = [](const std::vector<std::string>& overrides) {
    tl::ConfigSource source =
        tl::ConfigSource::from_json(nlohmann::json::parse(R"({"data": {"layout": "petimages", "root": "d"},
                                  "model": {"backbone": "b.pt", "head": {"type": "logistic"}}})"),
                                    "logistic.json", "/tmp");
    for (const auto& assignment : overrides) source.apply_override(assignment);
    return tl::load_experiment(source);
  };
  const tl::Experiment plain = load({});
  EXPECT_EQ(plain.train.epochs, 1) << "the solve is the head stage's one epoch";
  EXPECT_FALSE(plain.resolved["train"].contains("epochs"));
  EXPECT_EQ(plain.model.head.l2, tl::default_l2_grid());
  EXPECT_EQ(plain.model.head.l2.size(), 15u);
  EXPECT_DOUBLE_EQ(plain.model.head.l2.front(), 1e-6);
  EXPECT_DOUBLE_EQ(plain.model.head.l2.back(), 10.0);
  EXPECT_TRUE(plain.model.head.standardize);
  EXPECT_EQ(plain.train.select_by, tl::SelectionMetric::accuracy);
  EXPECT_TRUE(plain.train.refit);
  EXPECT_EQ(plain.resolved["train"]["refit"], true);

  const tl::Experiment tuned = load({"train.fine_tune.epochs=2", "train.fine_tune.unfreeze_blocks=1",
                                     "model.head.l2=0.01", "train.select_by=mean_per_class_accuracy"});
  EXPECT_FALSE(tuned.train.refit) << "fine-tuning keeps the validation images held out";
  EXPECT_EQ(tuned.model.head.l2, std::vector<double>{0.01});
  EXPECT_EQ(tuned.train.select_by, tl::SelectionMetric::mean_per_class_accuracy);
  EXPECT_EQ(load({"data.val_fraction=0", "model.head.l2=0.1"}).model.head.l2.size(), 1u)
      << "one strength needs no validation images";
  EXPECT_EQ(plain.train.folds, 0) << "chosen on the validation split unless folds are asked for";
  const tl::Experiment k_fold = load({"data.val_fraction=0", "train.folds=5"});
  EXPECT_EQ(k_fold.train.folds, 5);
  EXPECT_EQ(k_fold.model.head.l2.size(), 15u) << "k-fold holds images out without a validation split";
  EXPECT_EQ(k_fold.resolved["train"]["folds"], 5);
}

TEST(Config, AValidationFoldReplacesTheValidationFraction) {
  const tl::Experiment experiment = tl::load_experiment(
      tl::ConfigSource::from_text("data: {layout: petimages, root: d, val_fold: {index: 2}}\nmodel: {backbone: b.pt}\n",
                                  tl::ConfigFormat::yaml, "fold.yaml", "/tmp"));
  ASSERT_TRUE(experiment.data.val_fold);
  EXPECT_EQ(experiment.data.val_fold->index, 2);
  EXPECT_EQ(experiment.data.val_fold->of, 5) << "five folds unless told";
  EXPECT_EQ(experiment.resolved["data"]["val_fold"], (nlohmann::json{{"index", 2}, {"of", 5}}));
  EXPECT_FALSE(experiment.resolved["data"].contains("val_fraction"));
  // A config's val_fraction is taken away by setting it to null, as on the command line.
  tl::ConfigSource source =
      tl::ConfigSource::from_text("data: {layout: petimages, root: d, val_fraction: 0.2}\nmodel: {backbone: b.pt}\n",
                                  tl::ConfigFormat::yaml, "fold.yaml", "/tmp");
  source.apply_override("data.val_fraction=null");
  source.apply_override("data.val_fold.index=1");
  EXPECT_EQ(tl::load_experiment(source).data.val_fold->index, 1);
}

TEST(Config, SyntaxErrorsNameTheFileAndLine) {
  TempDirectory dir;
  write_file(dir / "bad.yaml", "data:\n  layout: [petimages\n");
  EXPECT_NE(error_of(dir / "bad.yaml").find((dir / "bad.yaml").string() + ": line "), std::string::npos);
  write_file(dir / "bad.json", "{\"data\": ");
  EXPECT_NE(error_of(dir / "bad.json").find((dir / "bad.json").string() + ": invalid JSON"), std::string::npos);
  write_file(dir / "dup.yaml", "seed: 1\nseed: 2\n");
  EXPECT_NE(error_of(dir / "dup.yaml").find("duplicate key \"seed\""), std::string::npos);
  EXPECT_EQ(error_of(dir / "missing.yaml"), (dir / "missing.yaml").string() + ": cannot open config file");
  write_file(dir / "x.toml", "");
  EXPECT_NE(error_of(dir / "x.toml").find("expected a .json, .yaml or .yml config file"), std::string::npos);
}

// Each of these once took gigabytes, crashed or said too little.
TEST(Config, HostileDocumentsAreOneErrorNamingTheFile) {
  TempDirectory dir;
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char level = 'b'; level <= 'j'; ++level) {
    const std::string previous(1, static_cast<char>(level - 1));
    laughs += std::string(1, level) + ": &" + level + " [*" + previous + ", *" + previous + ", *" + previous + ", *" +
              previous + ", *" + previous + ", *" + previous + ", *" + previous + ", *" + previous + ", *" + previous +
              ", *" + previous + "]\n";
  }
  write_file(dir / "laughs.yaml", laughs);  // 10^10 values from a few hundred bytes
  EXPECT_NE(error_of(dir / "laughs.yaml").find("laughs.yaml: expands to more than 100000 values"), std::string::npos)
      << error_of(dir / "laughs.yaml");
  write_file(dir / "deep.yaml", "a: " + std::string(100, '[') + std::string(100, ']') + "\n");
  EXPECT_NE(error_of(dir / "deep.yaml").find("deep.yaml: nested deeper than 64 levels"), std::string::npos)
      << error_of(dir / "deep.yaml");
  write_file(dir / "deep.json", "{\"a\": " + std::string(100, '[') + std::string(100, ']') + "}");
  EXPECT_NE(error_of(dir / "deep.json").find("deep.json: nested deeper than 64 levels"), std::string::npos)
      << error_of(dir / "deep.json");
  write_file(dir / "dup.json", R"({"seed": 1, "data": {"root": "a", "root": "b"}})");
  EXPECT_NE(error_of(dir / "dup.json").find("dup.json: duplicate key \"root\""), std::string::npos)
      << error_of(dir / "dup.json");
  write_file(dir / "huge_number.json", R"({"seed": 1e400})");
  EXPECT_EQ(error_of(dir / "huge_number.json").rfind((dir / "huge_number.json").string() + ": invalid JSON", 0), 0u)
      << error_of(dir / "huge_number.json");
  write_file(dir / "big.yaml", std::string(kMinimalYaml) + "# " + std::string(2 << 20, 'x') + "\n");
  EXPECT_EQ(error_of(dir / "big.yaml"), (dir / "big.yaml").string() + ": file too large: " +
                                            std::to_string(std::filesystem::file_size(dir / "big.yaml")) +
                                            " bytes (limit 1048576)");
  write_file(dir / "binary.yaml", std::string(kMinimalYaml) + "name: caf\xe9\n");
  EXPECT_EQ(error_of(dir / "binary.yaml"), (dir / "binary.yaml").string() + ": line 7: byte " +
                                               std::to_string(std::string(kMinimalYaml).size() + 9) +
                                               " is not UTF-8 text")
      << "the byte is named, never echoed";
  write_file(dir / "binary.json", "{\"name\": \"\xff\"}");
  EXPECT_EQ(error_of(dir / "binary.json"), (dir / "binary.json").string() + ": byte 10 is not UTF-8 text");
  write_file(dir / "control.yaml", std::string(kMinimalYaml) + "name: a\x1b[2Jb\n");
  EXPECT_EQ(error_of(dir / "control.yaml"),
            (dir / "control.yaml").string() + ": line 7: control character 0x1b (a config is plain text)");
  write_file(dir / "minimal.yaml", kMinimalYaml);
  EXPECT_EQ(error_of(dir / "minimal.yaml", {"name=\xff"}), "--set name: byte 0 is not UTF-8 text");
  std::filesystem::create_symlink("/dev/zero", dir / "zero.yaml");
  EXPECT_EQ(error_of(dir / "zero.yaml"), (dir / "zero.yaml").string() + ": not a regular file (a character device)");
}

TEST(Config, QuotedYamlScalarsStayStrings) {
  const auto tree = tl::yaml_to_json("a: '3'\nb: 3\nc: true\nd: \"true\"\ne: 1e-3\nf: ~\n", "t");
  EXPECT_TRUE(tree["a"].is_string());
  EXPECT_TRUE(tree["b"].is_number_integer());
  EXPECT_TRUE(tree["c"].is_boolean());
  EXPECT_TRUE(tree["d"].is_string());
  EXPECT_DOUBLE_EQ(tree["e"].get<double>(), 1e-3);
  EXPECT_TRUE(tree["f"].is_null());
}

}  // namespace

TEST(Config, DataInterpolationOverridesTheBackboneMetadata) {
  TempDirectory dir;
  write_file(dir / "x.yaml", kMinimalYaml);
  EXPECT_FALSE(tl::load_experiment_file(dir / "x.yaml").data.interpolation) << "the metadata's, by default";
  EXPECT_EQ(tl::load_experiment_file(dir / "x.yaml", {"data.interpolation=antialias"}).data.interpolation,
            tl::Interpolation::antialias);
  EXPECT_EQ(error_of(dir / "x.yaml", {"data.interpolation=bicubic"}),
            "--set data.interpolation=bicubic: data.interpolation: expected one of linear|area|cubic|antialias, got "
            "\"bicubic\"");
}
