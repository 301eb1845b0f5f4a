#pragma once
// Dataset: the labelled images a layout on disk describes, with class names in a stable order
// (the same on every machine, whatever the directory iteration order), plus the official split
// where the layout has one. Files are only listed here; decoding happens in the image pipeline.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tl/config/data_options.hpp"
#include "tl/data/skipped_files.hpp"

namespace tl {

// Where a sample's bytes lie inside a tar shard, so that reading it is one seek, not a search.
struct ArchiveMember {
  std::shared_ptr<const std::filesystem::path> archive;  // one per shard, shared by its samples
  uint64_t offset = 0;
  uint64_t size = 0;
};

struct Sample {
  std::string path;  // for a shard's sample, <shard>/<member name>: what records show
  int label = 0;
  std::optional<ArchiveMember> member = std::nullopt;  // set for a shard's sample
};

// A sample's split as the layout gives it: Oxford's trainval and test lists, a list file's train,
// val and test lines (train counts as trainval).
enum class OfficialSplit { none, trainval, val, test };

struct Dataset {
  std::vector<std::string> class_names;  // label i names class_names[i]
  std::vector<Sample> samples;           // sorted by path
  std::vector<OfficialSplit> official;   // per sample; all `none` when the layout has no official split
  int ignored_files = 0;                 // files skipped because their name says they are not images
  std::vector<SkippedFile> unusable;     // entries found but not samples (a shard's member without a label)

  bool has_official_split() const;
};

// Sorts the samples (and their official splits) by path: the order every layout returns.
void sort_by_path(Dataset& dataset);

// std::filesystem::path's order (root directory first, then element by element), on path strings.
// Samples keep their paths as strings: a std::filesystem::path also holds a parsed list of its
// elements, some 300 bytes a sample, which a million-image data set cannot afford.
int compare_paths(std::string_view a, std::string_view b);

struct LayoutOptions {
  Layout layout = Layout::image_folder;
  std::filesystem::path root;
  OxfordTarget target = OxfordTarget::breed;  // oxford_pets only
};

// Throws tl::Error naming the root or the annotation file (and line) when the layout does not match.
Dataset load_dataset(const LayoutOptions& options);

// The layouts one by one, for callers that know which they have.
Dataset load_image_folder(const std::filesystem::path& root);
Dataset load_petimages(const std::filesystem::path& root);
Dataset load_oxford_pets(const std::filesystem::path& root, OxfordTarget target);

}  // namespace tl
