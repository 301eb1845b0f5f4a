// tl-shard: a data set of any layout as tar shards (WebDataset's convention), with a manifest of
// each shard's sha256 and sample count: the form large data sets travel and stream in.
#include <cstdio>
#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app_main.hpp"
#include "tl/base/atomic_file.hpp"
#include "tl/base/byte_size.hpp"
#include "tl/base/error.hpp"
#include "tl/base/utf8_text.hpp"
#include "tl/config/experiment.hpp"
#include "tl/data/dataset.hpp"
#include "tl/data/experiment_data.hpp"
#include "tl/data/shard_writer.hpp"
#include "tl/data/split.hpp"

namespace {

std::string written_text(const std::string& set, const std::vector<tl::WrittenShard>& shards) {
  int64_t samples = 0;
  uint64_t bytes = 0;
  for (const tl::WrittenShard& shard : shards) {
    samples += shard.samples;
    bytes += shard.bytes;
  }
  return set + ": " + std::to_string(samples) + " images in " + std::to_string(shards.size()) +
         (shards.size() == 1 ? " shard (" : " shards (") + tl::byte_size_text(static_cast<int64_t>(bytes)) + ")";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Write a data set as tar shards (<key>.<image extension> and <key>.cls per sample) with classes.txt and "
      "a manifest of sha256 sums; the same images give the same files."};
  tl::app::show_defaults_in_help(app);
  std::string config, root, out, shard_size = "256M";
  tl::LayoutOptions layout;
  app.add_option("root", root, "the data set's folder, list file or shards (data.root), without --config");
  app.add_option("--config", config, "an experiment config: its data and split give train-, val- and test- shard sets")
      ->check(CLI::ExistingFile);
  tl::app::add_enum_option(app, "--layout", layout.layout, "data.layout, without --config", tl::kLayouts);
  tl::app::add_enum_option(app, "--target", layout.target, "data.target (oxford_pets)", tl::kOxfordTargets);
  app.add_option("-o,--out", out, "folder to write the shards, classes.txt and manifest.json to")->required();
  app.add_option("--shard-size", shard_size, "target size of each shard, e.g. 256M or 1G");
  bool index = false;
  app.add_flag("--index", index,
               "also write <shard>.idx, each member's offset and size, so that readers on slow storage need not "
               "walk the headers");
  tl::app::add_version_flag(app, "tl-shard", [] { return std::string(); });
  if (const auto exit_code = tl::app::parse_command_line(app, argc, argv)) return *exit_code;
  if (root.empty() == config.empty()) {
    std::fprintf(stderr, "tl-shard: give the data set's folder, or --config FILE (not both)\n");
    return tl::app::kExitUsage;
  }

  return tl::app::guarded("tl-shard", tl::app::describe_unexpected_error, [&] {
    const auto shard_bytes = tl::parse_byte_size(shard_size);
    if (!shard_bytes || *shard_bytes < 4096) throw tl::Error("--shard-size " + shard_size + ": expected at least 4K");
    std::vector<std::pair<std::string, std::vector<size_t>>> sets;
    tl::Dataset dataset;
    if (!config.empty()) {
      const tl::Experiment experiment = tl::load_experiment_file(config);
      layout = tl::layout_options(experiment.data);
      dataset = tl::load_dataset(layout);
      const tl::Split split = tl::make_split(dataset, tl::split_options(experiment));
      sets = {{"train", split.train}, {"val", split.val}, {"test", split.test}};
    } else {
      layout.root = root;
      dataset = tl::load_dataset(layout);
      std::vector<size_t> every(dataset.samples.size());
      for (size_t i = 0; i < every.size(); ++i) every[i] = i;
      sets = {{"data", every}};
    }
    tl::SkippedFiles skipped;
    for (const tl::SkippedFile& file : dataset.unusable) skipped.add(file.path, file.reason);
    nlohmann::json manifest = {
        {"format", "tl shards 1"},
        {"classes", dataset.class_names},
        {"source", {{"root", tl::path_text(layout.root)}, {"layout", tl::name_of(layout.layout)}}},
        {"shard_size", *shard_bytes},
        {"sets", nlohmann::json::object()}};
    for (const auto& [name, indices] : sets) {
      if (indices.empty()) continue;
      const auto shards =
          tl::write_shards(dataset, indices, {out, name, static_cast<uint64_t>(*shard_bytes), index}, skipped);
      nlohmann::json listed = nlohmann::json::array();
      for (const tl::WrittenShard& shard : shards) listed.push_back(tl::to_json(shard));
      manifest["sets"][name] = listed;
      std::printf("%s\n", written_text(name, shards).c_str());
    }
    manifest["skipped"] = skipped.to_json();
    std::string classes;
    for (const std::string& name : dataset.class_names) classes += name + "\n";
    tl::write_file_atomically(std::filesystem::path(out) / "classes.txt", classes);
    tl::write_file_atomically(std::filesystem::path(out) / "manifest.json", manifest.dump(2) + "\n");
    if (skipped.count() > 0) std::printf("%zu files skipped (manifest.json lists why)\n", skipped.count());
    return 0;
  });
}
