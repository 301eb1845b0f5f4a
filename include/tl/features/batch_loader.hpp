#pragma once
// BatchLoader: decodes and preprocesses images in worker threads and hands out batches in the
// order given, while the caller works on the previous batches. At most `prefetch` finished batches
// wait at any time, so memory stays bounded however large the dataset. Files that cannot be decoded
// are left out of their batch and reported to SkippedFiles; a batch may therefore be smaller than
// batch_size, or empty. The destructor stops and joins the workers.
#include <condition_variable>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <torch/types.h>

#include "tl/config/augmentation_options.hpp"
#include "tl/config/data_options.hpp"
#include "tl/config/preprocessing_options.hpp"
#include "tl/data/dataset.hpp"
#include "tl/data/skipped_files.hpp"

namespace tl {

struct ImageBatch {
  torch::Tensor images;                // [n, 3, H, W] float32, normalised
  torch::Tensor labels;                // [n] int64
  std::vector<size_t> sample_indices;  // which Dataset::samples these are
  std::vector<std::string> hashes;     // their files' sha256, when the loader hashes (ContentLookup)
};

// For a caller that needs each file's content hash (a feature cache, views keyed by content): the
// loader reads each file once, hashes those bytes and decodes the same bytes, instead of the file
// being read once to hash and again to decode. Both functions are called from worker threads.
struct ContentLookup {
  // True when the caller already has what this image would give (a cache hit): it is then neither
  // decoded nor in any batch. `position` is the image's place in the loader's order.
  std::function<bool(size_t position, const std::string& sha256)> known;
  // The augmentation key of an image from its hash, in place of the loader's augmentation_keys.
  std::function<uint64_t(const std::string& sha256)> augmentation_key;
};

struct LoaderOptions {
  int batch_size = 32;
  int workers = 0;  // 0 = all cores
  int prefetch = 4;
  bool pin_memory = false;  // page-locked host memory, for faster copies to a GPU
  // Train-time augmentation instead of the evaluation transform; images then decode at full size
  // (a random crop may need every pixel). Each image's view is chosen by its key (see BatchLoader).
  std::optional<Augmentation> augmentation = std::nullopt;
  // data.shuffle_buffer, for the callers that choose the order of epochs that read images.
  int shuffle_buffer = 0;
};

// The loader an experiment's data settings ask for (batch size, decoding threads, prefetch).
LoaderOptions loader_options(const DataConfig& data);

class BatchLoader {
 public:
  // `order` lists sample indices in the order batches should come out; the dataset, preprocessing
  // and skipped list must outlive the loader. With options.augmentation, `augmentation_keys` holds
  // one key per entry of `order` (augmentation.hpp). `batch_sizes`, when given, divides `order` into
  // batches of these sizes (summing to its length; a size may be 0) instead of options.batch_size:
  // one rank's shares of global batches.
  BatchLoader(const Dataset& dataset, std::vector<size_t> order, const Preprocessing& preprocessing,
              const LoaderOptions& options, SkippedFiles& skipped, std::vector<uint64_t> augmentation_keys = {},
              const std::vector<size_t>& batch_sizes = {});
  // The same, hashing each file's bytes as it reads them (see ContentLookup); batches of
  // options.batch_size positions of `order`, fewer images where `known` accepted some.
  BatchLoader(const Dataset& dataset, std::vector<size_t> order, const Preprocessing& preprocessing,
              const LoaderOptions& options, SkippedFiles& skipped, ContentLookup lookup);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // The next batch in order, or nothing when all are done. Rethrows a worker's unexpected exception.
  std::optional<ImageBatch> next();
  size_t batch_count() const { return batch_count_; }

 private:
  BatchLoader(const Dataset& dataset, std::vector<size_t> order, const Preprocessing& preprocessing,
              const LoaderOptions& options, SkippedFiles& skipped, std::vector<uint64_t> augmentation_keys,
              const std::vector<size_t>& batch_sizes, std::optional<ContentLookup> lookup);
  void work();
  ImageBatch load(size_t batch_number);

  const Dataset& dataset_;
  const std::vector<size_t> order_;
  const std::vector<uint64_t> augmentation_keys_;
  const std::optional<ContentLookup> lookup_;
  const Preprocessing preprocessing_;
  const LoaderOptions options_;
  SkippedFiles& skipped_;
  std::vector<size_t> batch_begins_;  // batch b is order_[batch_begins_[b], batch_begins_[b + 1])
  size_t batch_count_;

  std::mutex mutex_;
  std::condition_variable ready_, room_;
  std::map<size_t, ImageBatch> finished_;
  size_t next_to_claim_ = 0, next_to_hand_out_ = 0;
  bool stopping_ = false;
  std::exception_ptr failure_;
  std::vector<std::thread> workers_;
};

}  // namespace tl
