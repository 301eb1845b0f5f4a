#include "tl/dist/sharded_features.hpp"

#include <chrono>
#include <map>

#include <torch/torch.h>

namespace tl {
namespace {

// Skipped files as "path\0reason\0" pairs: paths are bytes, not necessarily UTF-8.
std::string encode(const std::vector<SkippedFile>& files) {
  std::string text;
  for (const auto& file : files) text += file.path.string() + '\0' + file.reason + '\0';
  return text;
}

void merge_into(SkippedFiles& skipped, const std::string& text) {
  size_t at = 0;
  while (at < text.size()) {
    const size_t path_end = text.find('\0', at);
    const size_t reason_end = text.find('\0', path_end + 1);
    skipped.add(text.substr(at, path_end - at), text.substr(path_end + 1, reason_end - path_end - 1), false);
    at = reason_end + 1;
  }
}

}  // namespace

std::vector<size_t> rank_of_positions(const Dataset& dataset, const std::vector<size_t>& indices, size_t ranks) {
  std::vector<size_t> owner(indices.size());
  std::map<const std::filesystem::path*, size_t> shard_rank;  // a shard's samples share its path
  for (size_t position = 0; position < indices.size(); ++position) {
    const auto& member = dataset.samples[indices[position]].member;
    if (!member) {
      owner[position] = position % ranks;
      continue;
    }
    owner[position] = shard_rank.emplace(member->archive.get(), shard_rank.size() % ranks).first->second;
  }
  return owner;
}

FeatureSet extract_features_across(ProcessGroup& group, const ImageEmbedding& embedding, const Dataset& dataset,
                                   const std::vector<size_t>& indices, const Preprocessing& preprocessing,
                                   const LoaderOptions& options, SkippedFiles& skipped, FeatureCache* cache,
                                   const std::string& progress_label, const AugmentedView* view) {
  if (group.size() == 1) {
    return extract_features(embedding, dataset, indices, preprocessing, options, skipped, cache, progress_label, view);
  }
  const auto started = std::chrono::steady_clock::now();
  const auto ranks = static_cast<size_t>(group.size());
  const std::vector<size_t> owner = rank_of_positions(dataset, indices, ranks);
  std::vector<size_t> mine;
  for (size_t position = 0; position < indices.size(); ++position) {
    if (owner[position] == static_cast<size_t>(group.rank())) mine.push_back(indices[position]);
  }
  SkippedFiles skipped_here;
  const FeatureSet local =
      extract_features(embedding, dataset, mine, preprocessing, options, skipped_here, cache, progress_label, view);

  const int64_t feature_dim = embedding.dim;
  const torch::Tensor local_features =
      local.size() > 0 ? local.features.to(torch::kCPU) : torch::zeros({0, feature_dim}, torch::kFloat32);
  const torch::Tensor local_samples =
      torch::tensor(std::vector<int64_t>(local.sample_indices.begin(), local.sample_indices.end()), torch::kInt64);
  const auto features = group.all_gather_rows(local_features);
  const auto samples = group.all_gather_rows(local_samples);
  for (const auto& text : group.all_gather_text(encode(skipped_here.list()))) merge_into(skipped, text);
  torch::Tensor computed = torch::full({1}, local.computed, torch::kInt64);
  group.all_reduce_sum(computed);

  // Back into the order of `indices`: each rank kept the order of its positions. One gather of row
  // numbers, not a tensor per row (a view costs some 500 bytes: 20 MB for 40,000 images).
  std::vector<int64_t> first_row_of_rank(ranks + 1, 0);
  for (size_t rank = 0; rank < ranks; ++rank)
    first_row_of_rank[rank + 1] = first_row_of_rank[rank] + features[rank].size(0);
  std::vector<int64_t> next_row(ranks, 0);
  std::vector<int64_t> rows;
  FeatureSet set;
  for (size_t position = 0; position < indices.size(); ++position) {
    const size_t rank = owner[position];
    const int64_t row = next_row[rank];
    const auto* kept = samples[rank].data_ptr<int64_t>();
    if (row < samples[rank].size(0) && kept[row] == static_cast<int64_t>(indices[position])) {
      rows.push_back(first_row_of_rank[rank] + row);
      set.sample_indices.push_back(indices[position]);
      ++next_row[rank];
    }
  }
  std::vector<int64_t> labels;
  for (const size_t index : set.sample_indices) labels.push_back(dataset.samples[index].label);
  set.features = rows.empty() ? torch::zeros({0, feature_dim}, torch::kFloat32)
                              : torch::cat(features).index_select(0, torch::tensor(rows, torch::kInt64));
  set.labels = torch::tensor(labels, torch::kInt64);
  set.computed = computed.item<int64_t>();
  set.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return set;
}

}  // namespace tl
