#include "tl/features/feature_extraction.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <torch/torch.h>

#include "tl/base/interruption.hpp"
#include "tl/base/progress.hpp"
#include "tl/base/random.hpp"

namespace tl {

ImageEmbedding::ImageEmbedding(Backbone& backbone)
    : dim(backbone.feature_dim()),
      device(backbone.device()),
      compute([&backbone](const torch::Tensor& images) { return backbone.features(images); }) {}

ImageEmbedding::ImageEmbedding(int64_t dim, torch::Device device,
                               std::function<torch::Tensor(const torch::Tensor&)> compute)
    : dim(dim), device(device), compute(std::move(compute)) {}

uint64_t AugmentedView::key_for(const std::string& image_sha256) const {
  return mix_key(mix_key(stream_key(seed, RandomStream::cached_view), static_cast<uint64_t>(index)),
                 key_of_hash(image_sha256));
}

std::optional<FeatureCache> open_pass_cache(const std::filesystem::path& directory,
                                            const std::string& backbone_identity, const Preprocessing& preprocessing,
                                            const AugmentedView* view, const std::string& note) {
  std::string description = preprocessing.describe();
  if (view != nullptr) {
    description += " " + view->augmentation.describe() + " seed=" + std::to_string(view->seed) +
                   " view=" + std::to_string(view->index);
  }
  if (!note.empty()) description += " " + note;
  return open_feature_cache(directory, backbone_identity, description);
}

FeatureSet extract_features(const ImageEmbedding& embedding, const Dataset& dataset, const std::vector<size_t>& indices,
                            const Preprocessing& preprocessing, const LoaderOptions& options, SkippedFiles& skipped,
                            FeatureCache* cache, const std::string& progress_label, const AugmentedView* view) {
  const auto started = std::chrono::steady_clock::now();
  const auto dim = embedding.dim;
  const auto rows = static_cast<int64_t>(indices.size());
  torch::Tensor features = torch::empty({rows, dim});
  std::vector<char> filled(indices.size(), 0);  // written by one worker each: no shared bits, unlike vector<bool>
  std::optional<Progress> progress;
  if (!indices.empty()) progress.emplace(progress_label, indices.size(), "img");
  std::unordered_map<size_t, size_t> row_of_sample;
  for (size_t row = 0; row < indices.size(); ++row) row_of_sample[indices[row]] = row;

  LoaderOptions loader_options = options;
  loader_options.pin_memory = embedding.device.is_cuda();
  if (view != nullptr) loader_options.augmentation = view->augmentation;
  // The cache and content-keyed views need each file's hash: the loader hashes the bytes it decodes.
  std::optional<BatchLoader> loader;
  std::mutex cache_mutex;
  std::atomic<int64_t> from_cache{0};
  if (cache != nullptr || view != nullptr) {
    ContentLookup lookup;
    if (cache != nullptr) {
      lookup.known = [&](size_t row, const std::string& sha256) {
        const std::lock_guard<std::mutex> lock(cache_mutex);  // the cache's statistics are not atomic
        const auto cached = cache->load(sha256, static_cast<int>(dim));
        if (!cached) return false;
        std::copy(cached->begin(), cached->end(), features[static_cast<int64_t>(row)].data_ptr<float>());
        filled[row] = 1;
        ++from_cache;
        return true;
      };
    }
    if (view != nullptr) lookup.augmentation_key = [view](const std::string& sha256) { return view->key_for(sha256); };
    loader.emplace(dataset, indices, preprocessing, loader_options, skipped, std::move(lookup));
  } else {
    loader.emplace(dataset, indices, preprocessing, loader_options, skipped);
  }

  FeatureSet result;
  size_t images_seen = 0;
  while (auto batch = loader->next()) {
    // Features already computed are in the cache: a rerun continues from here.
    throw_if_interrupted("the backbone pass");
    if (!batch->sample_indices.empty()) {
      const torch::Tensor images = batch->images.to(embedding.device, /*non_blocking=*/true);
      const torch::Tensor computed = embedding.compute(images).to(torch::kCPU).contiguous();
      for (size_t j = 0; j < batch->sample_indices.size(); ++j) {
        const size_t row = row_of_sample.at(batch->sample_indices[j]);
        features[static_cast<int64_t>(row)].copy_(computed[static_cast<int64_t>(j)]);
        filled[row] = 1;
        if (cache != nullptr) {
          const std::lock_guard<std::mutex> lock(cache_mutex);
          cache->store(batch->hashes[j], computed[static_cast<int64_t>(j)].data_ptr<float>(), static_cast<int>(dim));
        }
      }
      result.computed += static_cast<int64_t>(batch->sample_indices.size());
    }
    const size_t batch_images = std::min<size_t>(options.batch_size, indices.size() - images_seen);
    images_seen += batch_images;
    progress->advance(batch_images);
  }
  loader.reset();  // joins the workers: `filled` is complete
  if (progress) {
    progress->finish(cache != nullptr ? "(" + std::to_string(from_cache.load()) + " from the feature cache)" : "");
  }

  std::vector<int64_t> kept_rows, labels;
  for (size_t row = 0; row < indices.size(); ++row) {
    if (!filled[row]) continue;
    kept_rows.push_back(static_cast<int64_t>(row));
    labels.push_back(dataset.samples[indices[row]].label);
    result.sample_indices.push_back(indices[row]);
  }
  result.features = static_cast<int64_t>(kept_rows.size()) == rows
                        ? features
                        : features.index_select(0, torch::tensor(kept_rows, torch::kInt64));
  result.labels = torch::tensor(labels, torch::kInt64);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

FeatureSet concatenate_features(const std::vector<FeatureSet>& passes) {
  if (passes.size() == 1) return passes[0];
  // A file that decodes for one backbone's preprocessing may fail at another's decode size: only
  // the rows every pass has can be concatenated.
  std::unordered_map<size_t, int64_t> passes_holding;
  for (const FeatureSet& pass : passes) {
    for (const size_t index : pass.sample_indices) ++passes_holding[index];
  }
  FeatureSet joined;
  std::vector<torch::Tensor> columns;
  for (const FeatureSet& pass : passes) {
    std::vector<int64_t> rows;
    for (size_t row = 0; row < pass.sample_indices.size(); ++row) {
      if (passes_holding[pass.sample_indices[row]] == static_cast<int64_t>(passes.size())) {
        rows.push_back(static_cast<int64_t>(row));
      }
    }
    const torch::Tensor kept = torch::tensor(rows, torch::kInt64);
    if (columns.empty()) {
      for (const int64_t row : rows) joined.sample_indices.push_back(pass.sample_indices[static_cast<size_t>(row)]);
      joined.labels = pass.size() > 0 ? pass.labels.index_select(0, kept) : pass.labels;
    }
    columns.push_back(pass.size() > 0 ? pass.features.index_select(0, kept) : pass.features);
    joined.seconds += pass.seconds;
    joined.computed += pass.computed;
  }
  joined.features = torch::cat(columns, 1);
  return joined;
}

}  // namespace tl
