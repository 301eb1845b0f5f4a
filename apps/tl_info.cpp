// tl-info: look before training: what a backbone file is, what a dataset holds, where a run stands.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app_main.hpp"
#include "tl/base/available_cores.hpp"
#include "tl/base/byte_size.hpp"
#include "tl/base/error.hpp"
#include "tl/base/json_file.hpp"
#include "tl/base/utf8_text.hpp"
#include "tl/config/cache_directory.hpp"
#include "tl/config/enum_names.hpp"
#include "tl/config/experiment.hpp"
#include "tl/data/dataset.hpp"
#include "tl/data/dataset_description.hpp"
#include "tl/data/experiment_data.hpp"
#include "tl/data/split.hpp"
#include "tl/features/backbone_description.hpp"
#include "tl/features/cache_budget.hpp"
#include "tl/features/library_error.hpp"
#include "tl/features/runtime_versions.hpp"
#include "tl/run/evaluation_record.hpp"
#include "tl/run/label_issues.hpp"
#include "tl/run/run_directory.hpp"
#include "tl/run/run_summary.hpp"

namespace {

std::string backbone_text(const nlohmann::json& info) {
  std::string blocks;
  for (const auto& block : info["blocks"]) blocks += (blocks.empty() ? "" : ", ") + block.get<std::string>();
  return fmt::format(
      "backbone      {}\nsha256        {}\nmetadata      {}\ninput         {}x{}\npreprocessing {}\nfeatures      {}\n"
      "parameters    {} in {} tensors\nblocks        {} (unfreeze_blocks: N trains the last N): {}\n",
      info["path"].get<std::string>(), info["sha256"].get<std::string>(), info["metadata"].get<std::string>(),
      info["input"]["height"].get<int>(), info["input"]["width"].get<int>(), info["preprocessing"].get<std::string>(),
      info["feature_dim"].get<int>(), info["parameters"].get<int64_t>(), info["parameter_tensors"].get<size_t>(),
      info["blocks"].size(), blocks);
}

std::string dataset_text(const nlohmann::json& info) {
  std::string text = fmt::format("{:<28} {:>7} {:>7} {:>7}\n", "class", "train", "val", "test");
  for (const auto& each : info["classes"]) {
    text += fmt::format("{:<28} {:>7} {:>7} {:>7}\n", each["name"].get<std::string>(), each["train"].get<size_t>(),
                        each["val"].get<size_t>(), each["test"].get<size_t>());
  }
  const auto& images = info["images"];
  text += fmt::format("{:<28} {:>7} {:>7} {:>7}\n", "all " + std::to_string(info["classes"].size()) + " classes",
                      images["train"].get<size_t>(), images["val"].get<size_t>(), images["test"].get<size_t>());
  text += info["imbalance"].is_null()
              ? std::string("imbalance: a class has no training images\n")
              : fmt::format("imbalance: the largest training class is {:.2f}x the smallest{}\n",
                            info["imbalance"].get<double>(),
                            info["imbalance"].get<double>() > 1.5 ? " (consider train.class_weights: balanced)" : "");
  text += fmt::format("split: {}; {} files ignored by name\n",
                      info["official_split"].get<bool>() ? "the layout's official test split" : "by the fractions",
                      info["ignored_files"].get<int>());
  if (!info["unusable"].empty()) {
    text += fmt::format("{} entries are not samples (a run skips them):\n", info["unusable"].size());
    for (const auto& entry : info["unusable"]) {
      text += "  " + entry["path"].get<std::string>() + ": " + entry["reason"].get<std::string>() + "\n";
    }
  }
  if (info.contains("undecodable")) {
    const size_t undecodable = info["undecodable"].size();
    text += undecodable == 0 ? std::string("every file decodes\n")
                             : fmt::format("{} files do not decode (a run skips them):\n", undecodable);
    for (const auto& file : info["undecodable"]) {
      text += "  " + file["path"].get<std::string>() + ": " + file["reason"].get<std::string>() + "\n";
    }
  } else {
    text += "(--check-images decodes every file and lists those a run would skip)\n";
  }
  return text;
}

// The feature cache under `directory`, pruned first to `prune_to` when given.
nlohmann::json cache_info(const std::filesystem::path& directory, const std::string& prune_to) {
  nlohmann::json info = {{"directory", tl::path_text(directory)}};
  if (!prune_to.empty()) {
    const auto target = tl::parse_byte_size(prune_to);
    if (!target) throw tl::Error("--prune " + prune_to + ": expected a size such as 5G, 500M or 0");
    const tl::PruneResult pruned = tl::prune_cache(directory, *target);
    info["pruned"] = {{"removed_entries", pruned.removed_entries}, {"removed_bytes", pruned.removed_bytes}};
  }
  const tl::CacheUsage usage = tl::cache_usage(directory);
  info["entries"] = usage.entries;
  info["bytes"] = usage.bytes;
  info["budget_bytes"] = tl::default_cache_budget(directory);
  info["namespaces"] = nlohmann::json::array();
  for (const tl::CacheNamespace& space : usage.namespaces) {
    info["namespaces"].push_back(
        {{"name", space.name}, {"description", space.description}, {"entries", space.entries}, {"bytes", space.bytes}});
  }
  return info;
}

std::string cache_text(const nlohmann::json& info) {
  std::string text;
  if (info.contains("pruned")) {
    text += fmt::format("pruned: {} entries ({})\n", info["pruned"]["removed_entries"].get<int64_t>(),
                        tl::byte_size_text(info["pruned"]["removed_bytes"].get<int64_t>()));
  }
  text += fmt::format("{}: {} in {} entries (default budget {}, cache.max_bytes)\n",
                      info["directory"].get<std::string>(), tl::byte_size_text(info["bytes"].get<int64_t>()),
                      info["entries"].get<int64_t>(), tl::byte_size_text(info["budget_bytes"].get<int64_t>()));
  for (const auto& space : info["namespaces"]) {
    // namespace.txt: the backbone's hash (and precision), then its preprocessing and view.
    std::string description = space["description"].get<std::string>();
    std::replace(description.begin(), description.end(), '\n', ' ');
    text += fmt::format("  {:>10} {:>8} entries  {}  {}\n", tl::byte_size_text(space["bytes"].get<int64_t>()),
                        space["entries"].get<int64_t>(), space["name"].get<std::string>(),
                        description.empty() ? "(written before tl described its namespaces)" : description);
  }
  return text;
}

// A run as tl-train left it: its summary when it finished, else how far it got.
struct RunInfo {
  std::filesystem::path path;
  nlohmann::json config;
  size_t epochs_written = 0;
  std::optional<tl::RunSummary> summary;                                  // none while unfinished
  std::vector<std::pair<std::string, tl::EvaluationRecord>> evaluations;  // (file stem, record)
  std::optional<tl::LabelIssues> label_issues;                            // trained with train.folds
  size_t label_issues_shown = 0;
};

RunInfo read_run_info(const std::filesystem::path& path, size_t label_issues_shown) {
  const tl::RunDirectory run(path);
  if (!run.holds_run()) throw tl::Error(path.string() + ": not a tl run directory (no config.json)");
  RunInfo info;
  info.path = path;
  info.config = tl::read_json_file(run.config(), tl::kMaxRunRecordBytes);
  info.epochs_written = run.load_metrics().size();
  if (std::filesystem::exists(run.summary())) info.summary = tl::read_run_summary(run.summary());
  for (const std::filesystem::path& file : run.evaluations()) {
    info.evaluations.emplace_back(file.stem().string(), tl::read_evaluation_record(file));
  }
  info.label_issues = tl::read_label_issues(path);
  info.label_issues_shown = label_issues_shown;
  return info;
}

nlohmann::json to_json(const RunInfo& info) {
  nlohmann::json json = {{"run", info.path.string()},
                         {"finished", info.summary.has_value()},
                         {"config", info.config},
                         {"epochs_written", info.epochs_written}};
  if (info.summary) json["summary"] = info.summary->to_json();
  json["evaluations"] = nlohmann::json::object();
  for (const auto& [name, record] : info.evaluations) {
    json["evaluations"][name] = {{"top1", record.report.top1}, {"samples", record.report.samples}};
  }
  if (info.label_issues) {
    nlohmann::json issues = info.label_issues->to_json();
    const size_t shown = std::min(info.label_issues_shown, info.label_issues->issues.size());
    json["label_issues"] = {{"images_checked", issues["images_checked"]},
                            {"listed", info.label_issues->issues.size()},
                            {"first", nlohmann::json(issues["issues"].begin(),
                                                     issues["issues"].begin() + static_cast<std::ptrdiff_t>(shown))}};
  }
  return json;
}

std::string run_text(const RunInfo& info) {
  const std::string run = info.path.string();
  std::string text = fmt::format("run     {} ({})\n", run, info.config.value("name", std::string("?")));
  if (!info.summary) {
    return text + fmt::format("state   unfinished: {} epochs written; continue with tl-train --resume {}\n",
                              info.epochs_written, run);
  }
  const tl::RunSummary& summary = *info.summary;
  const tl::EpochMetrics& best = summary.best;
  text += fmt::format("classes {}\nimages  {} train / {} val / {} test\n", summary.classes.size(),
                      summary.samples.train, summary.samples.val, summary.samples.test);
  text += fmt::format("epochs  {} of {}{}\n", summary.epochs, summary.epochs_configured,
                      summary.stopped_early ? " (stopped early)" : "");
  text += fmt::format("best    epoch {}: train acc {:.3f}", best.epoch, best.train_accuracy);
  if (best.val_accuracy) text += fmt::format(", val acc {:.3f}", *best.val_accuracy);
  text += "\n";
  std::string files;  // several backbones: their files in concatenation order
  for (const tl::BackboneSummary::Part& part : summary.backbone.parts) {
    files += (files.empty() ? "" : " + ") + part.path;
  }
  text += fmt::format("backbone {} ({} features)\n", files, summary.backbone.feature_dim());
  for (const auto& [name, record] : info.evaluations) {
    text += fmt::format("{:<8} top-1 {:.3f} on {} images\n", name, record.report.top1, record.report.samples);
  }
  if (info.evaluations.empty()) text += fmt::format("next    tl-eval --run {} --split test\n", run);
  if (info.label_issues) {
    const tl::LabelIssues& found = *info.label_issues;
    text += fmt::format("labels  {} of {} training images are more probable in another class out of fold\n",
                        found.issues.size(), found.images_checked);
    for (size_t i = 0; i < found.issues.size() && i < info.label_issues_shown; ++i) {
      const tl::LabelIssue& issue = found.issues[i];
      text += fmt::format("        {}  labelled {} {:.1f}%, looks like {} {:.1f}%\n", issue.path,
                          found.classes[static_cast<size_t>(issue.given)], 100 * issue.given_probability,
                          found.classes[static_cast<size_t>(issue.suggested)], 100 * issue.suggested_probability);
    }
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Inspect before training: a backbone file, a dataset, a run, or the feature cache."};
  tl::app::show_defaults_in_help(app);
  app.require_subcommand(1);
  app.fallthrough();  // --json after the subcommand too
  bool json_output = false;
  app.add_flag("--json", json_output, "print JSON instead of text");

  auto* backbone_command = app.add_subcommand("backbone", "metadata, input and feature size, parameters, blocks");
  std::string backbone;
  std::optional<std::string> metadata;
  backbone_command->add_option("file", backbone, "TorchScript backbone (.pt)")->required()->check(CLI::ExistingFile);
  backbone_command
      ->add_option("--metadata", metadata, "its metadata JSON (default: <stem>.json or model.json beside it)")
      ->check(CLI::ExistingFile);

  auto* data_command = app.add_subcommand("data", "images per class and split, imbalance, undecodable files");
  tl::LayoutOptions layout;
  tl::SplitOptions split;
  std::string root, config;
  bool check_images = false;
  auto* root_option = data_command->add_option("root", root, "the dataset's folder, list file or shards (data.root)");
  data_command
      ->add_option("--config", config, "an experiment config: its data section and seed, so the split is the run's")
      ->check(CLI::ExistingFile)
      ->excludes(root_option);
  tl::app::add_enum_option(*data_command, "--layout", layout.layout, "data.layout", tl::kLayouts);
  tl::app::add_enum_option(*data_command, "--target", layout.target, "data.target (oxford_pets)", tl::kOxfordTargets);
  data_command->add_option("--val-fraction", split.val_fraction, "data.val_fraction")->check(CLI::Range(0.0, 0.9));
  data_command->add_option("--test-fraction", split.test_fraction, "data.test_fraction")->check(CLI::Range(0.0, 0.9));
  data_command->add_option("--seed", split.seed, "the experiment's seed (the split depends on it)");
  data_command->add_flag("--check-images", check_images, "decode every file and list those that fail");

  auto* run_command = app.add_subcommand("run", "where a run stands: its best epoch and evaluations");
  std::string run;
  run_command->add_option("dir", run, "run directory written by tl-train")->required()->check(CLI::ExistingDirectory);
  size_t label_issues_shown = 10;
  run_command->add_option("--label-issues", label_issues_shown,
                          "how many of the doubted training labels to list (a run trained with train.folds)");
  auto* cache_command =
      app.add_subcommand("cache", "the feature cache's size by backbone and preprocessing; --prune shrinks it");
  std::string cache_directory = tl::default_cache_directory().string();
  cache_command->add_option("dir", cache_directory, "the cache folder (cache_dir)")->capture_default_str();
  std::string prune_to;
  cache_command->add_option("--prune", prune_to,
                            "remove the entries used longest ago until at most this much remains, e.g. 5G or 0");
  tl::app::add_version_flag(app, "tl-info", tl::runtime_versions);
  if (const auto exit_code = tl::app::parse_command_line(app, argc, argv)) return *exit_code;
  if (*data_command && root.empty() && config.empty()) {
    std::fprintf(stderr, "tl-info data: give the dataset's folder, or --config FILE\n");
    return tl::app::kExitUsage;
  }

  return tl::app::guarded("tl-info", tl::describe_library_error, [&] {
    nlohmann::json info;
    std::string text;
    if (*backbone_command) {
      info = tl::describe_backbone(backbone, metadata);
      if (!json_output) text = backbone_text(info);
    } else if (*cache_command) {
      info = cache_info(cache_directory, prune_to);
      if (!json_output) text = cache_text(info);
    } else if (*data_command) {
      if (!config.empty()) {
        const tl::Experiment experiment = tl::load_experiment_file(config);
        layout = tl::layout_options(experiment.data);
        split = tl::split_options(experiment);
      } else {
        layout.root = root;
      }
      const tl::Dataset dataset = tl::load_dataset(layout);
      info = tl::describe_dataset(dataset, tl::make_split(dataset, split), {check_images, tl::available_cores()});
      info["root"] = tl::path_text(layout.root);
      info["layout"] = tl::name_of(layout.layout);
      if (!json_output) text = dataset_text(info);
    } else {
      const RunInfo run_info = read_run_info(run, label_issues_shown);
      info = to_json(run_info);
      if (!json_output) text = run_text(run_info);
    }
    std::cout << (json_output ? info.dump(2) + "\n" : text);
    return 0;
  });
}
