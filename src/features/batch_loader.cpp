#include "tl/features/batch_loader.hpp"

#include <algorithm>
#include <stdexcept>

#include "tl/base/available_cores.hpp"
#include "tl/base/content_hash.hpp"
#include "tl/data/augmentation.hpp"
#include "tl/data/image_decoder.hpp"
#include "tl/data/preprocessing.hpp"
#include "tl/features/cpu_runtime.hpp"

namespace tl {

LoaderOptions loader_options(const DataConfig& data) {
  LoaderOptions options{backbone_batch_size(data.batch_size), data.workers, data.prefetch};
  options.shuffle_buffer = data.shuffle_buffer;
  return options;
}

BatchLoader::BatchLoader(const Dataset& dataset, std::vector<size_t> order, const Preprocessing& preprocessing,
                         const LoaderOptions& options, SkippedFiles& skipped, std::vector<uint64_t> augmentation_keys,
                         const std::vector<size_t>& batch_sizes)
    : BatchLoader(dataset, std::move(order), preprocessing, options, skipped, std::move(augmentation_keys), batch_sizes,
                  std::nullopt) {}

BatchLoader::BatchLoader(const Dataset& dataset, std::vector<size_t> order, const Preprocessing& preprocessing,
                         const LoaderOptions& options, SkippedFiles& skipped, ContentLookup lookup)
    : BatchLoader(dataset, std::move(order), preprocessing, options, skipped, {}, {}, std::move(lookup)) {}

BatchLoader::BatchLoader(const Dataset& dataset, std::vector<size_t> order, const Preprocessing& preprocessing,
                         const LoaderOptions& options, SkippedFiles& skipped, std::vector<uint64_t> augmentation_keys,
                         const std::vector<size_t>& batch_sizes, std::optional<ContentLookup> lookup)
    : dataset_(dataset),
      order_(std::move(order)),
      augmentation_keys_(std::move(augmentation_keys)),
      lookup_(std::move(lookup)),
      preprocessing_(preprocessing),
      options_(options),
      skipped_(skipped) {
  const bool keyed_by_content = lookup_ && lookup_->augmentation_key;
  if (options.augmentation && !keyed_by_content && augmentation_keys_.size() != order_.size()) {
    throw std::invalid_argument("BatchLoader: one augmentation key per image is needed");
  }
  batch_begins_.push_back(0);
  if (batch_sizes.empty()) {
    for (size_t begin = 0; begin < order_.size(); begin += static_cast<size_t>(options.batch_size)) {
      batch_begins_.push_back(std::min(order_.size(), begin + static_cast<size_t>(options.batch_size)));
    }
  } else {
    for (const size_t size : batch_sizes) batch_begins_.push_back(batch_begins_.back() + size);
    if (batch_begins_.back() != order_.size()) {
      throw std::invalid_argument("BatchLoader: the batch sizes do not add up to the images given");
    }
  }
  batch_count_ = batch_begins_.size() - 1;
  const int threads = options.workers > 0 ? options.workers : available_cores();
  const int useful = static_cast<int>(std::min<size_t>(threads, std::max<size_t>(batch_count_, 1)));
  for (int i = 0; i < useful; ++i) workers_.emplace_back([this] { work(); });
}

BatchLoader::~BatchLoader() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  room_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void BatchLoader::work() {
  while (true) {
    size_t batch_number = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      // A worker may run ahead of the consumer by at most `prefetch` batches.
      room_.wait(lock, [&] {
        return stopping_ || next_to_claim_ >= batch_count_ ||
               next_to_claim_ < next_to_hand_out_ + static_cast<size_t>(options_.prefetch);
      });
      if (stopping_ || next_to_claim_ >= batch_count_) return;
      batch_number = next_to_claim_++;
    }
    try {
      ImageBatch batch = load(batch_number);
      const std::lock_guard<std::mutex> lock(mutex_);
      finished_.emplace(batch_number, std::move(batch));
    } catch (...) {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!failure_) failure_ = std::current_exception();
      stopping_ = true;
    }
    ready_.notify_all();
    room_.notify_all();
  }
}

ImageBatch BatchLoader::load(size_t batch_number) {
  const size_t begin = batch_begins_[batch_number];
  const size_t end = batch_begins_[batch_number + 1];
  const int64_t capacity = static_cast<int64_t>(end - begin);
  const int64_t image_floats = 3LL * preprocessing_.height * preprocessing_.width;
  auto tensor_options = torch::TensorOptions().dtype(torch::kFloat32).pinned_memory(options_.pin_memory);
  torch::Tensor images = torch::empty({capacity, 3, preprocessing_.height, preprocessing_.width}, tensor_options);
  std::vector<int64_t> labels;
  ImageBatch batch;
  float* destination = images.data_ptr<float>();
  for (size_t position = begin; position < end; ++position) {
    const size_t index = order_[position];
    const Sample& sample = dataset_.samples[index];
    const int shorter_side = options_.augmentation ? 0 : preprocessing_.decode_shorter_side();
    std::string hash;
    DecodedImage decoded;
    if (lookup_) {
      const BoundedRead file = read_sample(sample);
      if (!file.bytes) {
        skipped_.add(sample.path, file.error);
        continue;
      }
      hash = sha256_bytes(*file.bytes);
      if (lookup_->known && lookup_->known(position, hash)) continue;
      decoded = decode_image_bytes(*file.bytes, shorter_side);
    } else {
      decoded = decode_sample(sample, shorter_side);
    }
    if (!decoded.error.empty()) {
      skipped_.add(sample.path, decoded.error);
      continue;
    }
    float* chw = destination + labels.size() * image_floats;
    if (options_.augmentation) {
      const uint64_t key =
          lookup_ && lookup_->augmentation_key ? lookup_->augmentation_key(hash) : augmentation_keys_[position];
      preprocess_augmented(decoded.rgb, preprocessing_, *options_.augmentation, key, chw);
    } else {
      preprocess_for_eval(decoded.rgb, preprocessing_, chw);
    }
    labels.push_back(sample.label);
    batch.sample_indices.push_back(index);
    if (lookup_) batch.hashes.push_back(std::move(hash));
  }
  const auto kept = static_cast<int64_t>(labels.size());
  batch.images = kept == capacity ? images : images.narrow(0, 0, kept);
  batch.labels = torch::tensor(labels, torch::kInt64);
  return batch;
}

std::optional<ImageBatch> BatchLoader::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (next_to_hand_out_ >= batch_count_) return std::nullopt;
  ready_.wait(lock, [&] { return failure_ || finished_.count(next_to_hand_out_) > 0; });
  if (failure_) std::rethrow_exception(failure_);
  auto node = finished_.extract(next_to_hand_out_++);
  lock.unlock();
  room_.notify_all();
  return std::move(node.mapped());
}

}  // namespace tl
