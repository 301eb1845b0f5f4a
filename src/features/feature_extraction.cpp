#include "tl/features/feature_extraction.hpp"

#include <chrono>
#include <optional>
#include <unordered_map>

#include <torch/torch.h>

#include "tl/base/content_hash.hpp"
#include "tl/base/interruption.hpp"
#include "tl/base/progress.hpp"
#include "tl/base/random.hpp"
#include "tl/data/augmentation.hpp"
#include "tl/data/image_decoder.hpp"

namespace tl {
namespace {

// The image's content hash, or empty when it cannot be read (the loader will then skip and report it).
std::string image_hash(const std::filesystem::path& path) {
  const BoundedRead file = read_image_file(path);
  return file.bytes ? sha256_bytes(*file.bytes) : std::string();
}

}  // namespace

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

FeatureSet extract_features(const ImageEmbedding& embedding, const Dataset& dataset, const std::vector<size_t>& indices,
                            const Preprocessing& preprocessing, const LoaderOptions& options, SkippedFiles& skipped,
                            FeatureCache* cache, const std::string& progress_label, const AugmentedView* view) {
  const auto started = std::chrono::steady_clock::now();
  const auto dim = embedding.dim;
  const auto rows = static_cast<int64_t>(indices.size());
  torch::Tensor features = torch::empty({rows, dim});
  std::vector<bool> filled(indices.size(), false);
  std::vector<std::string> hashes(indices.size());
  std::optional<Progress> progress;
  if (!indices.empty()) progress.emplace(progress_label, indices.size(), "img");

  std::vector<size_t> to_compute;  // sample indices
  std::vector<uint64_t> augmentation_keys;
  std::unordered_map<size_t, size_t> row_of_sample;
  for (size_t row = 0; row < indices.size(); ++row) {
    row_of_sample[indices[row]] = row;
    if (cache != nullptr || view != nullptr) hashes[row] = image_hash(dataset.samples[indices[row]].path);
    if (cache != nullptr) {
      if (!hashes[row].empty()) {
        if (auto cached = cache->load(hashes[row], static_cast<int>(dim))) {
          std::copy(cached->begin(), cached->end(), features[static_cast<int64_t>(row)].data_ptr<float>());
          filled[row] = true;
          progress->advance(1);
          continue;
        }
      }
    }
    to_compute.push_back(indices[row]);
    // An unreadable file has no hash; the loader skips and reports it, so its key is never used.
    if (view != nullptr) augmentation_keys.push_back(hashes[row].empty() ? 0 : view->key_for(hashes[row]));
  }

  FeatureSet result;
  if (!to_compute.empty()) {
    LoaderOptions loader_options = options;
    loader_options.pin_memory = embedding.device.is_cuda();
    if (view != nullptr) loader_options.augmentation = view->augmentation;
    BatchLoader loader(dataset, to_compute, preprocessing, loader_options, skipped, std::move(augmentation_keys));
    size_t images_seen = 0;
    while (auto batch = loader.next()) {
      // Features already computed are in the cache: a rerun continues from here.
      throw_if_interrupted("the backbone pass");
      if (!batch->sample_indices.empty()) {
        const torch::Tensor images = batch->images.to(embedding.device, /*non_blocking=*/true);
        const torch::Tensor computed = embedding.compute(images).to(torch::kCPU).contiguous();
        for (size_t j = 0; j < batch->sample_indices.size(); ++j) {
          const size_t row = row_of_sample.at(batch->sample_indices[j]);
          features[static_cast<int64_t>(row)].copy_(computed[static_cast<int64_t>(j)]);
          filled[row] = true;
          if (cache != nullptr && !hashes[row].empty()) {
            cache->store(hashes[row], computed[static_cast<int64_t>(j)].data_ptr<float>(), static_cast<int>(dim));
          }
        }
        result.computed += static_cast<int64_t>(batch->sample_indices.size());
      }
      const size_t batch_images = std::min<size_t>(options.batch_size, to_compute.size() - images_seen);
      images_seen += batch_images;
      progress->advance(batch_images);
    }
  }
  if (progress)
    progress->finish(
        cache != nullptr ? "(" + std::to_string(indices.size() - to_compute.size()) + " from the feature cache)" : "");

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

}  // namespace tl
