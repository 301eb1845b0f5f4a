#pragma once
// Randomness that is the same on every machine, in one place. tl never uses std distributions (their
// algorithms differ between standard libraries) nor LibTorch's global generator for anything that
// decides data: which samples validate, the order of an epoch, an augmented view.
//
// Every random decision starts from a key: the run's seed mixed with a named stream, then with the
// numbers that identify the use (a class, an epoch, a view, an image's bytes). A KeyedRandom is a
// SplitMix64 sequence from such a key, so each decision can be recomputed on its own, in any thread
// and any order, and two uses never share numbers by accident.
#include <cstdint>
#include <string>
#include <vector>

namespace tl {

// The uses of randomness. The numbers are part of every view and cache key: never reuse one.
enum class RandomStream : uint64_t {
  epoch_order = 2,      // the order (or the balanced draws) of a training epoch
  cached_view = 3,      // which augmented view of an image a cached view is
  fine_tune_view = 4,   // the fresh augmented views of fine-tuning epochs
  crop = 5,             // within a view: the random resized crop
  flip = 6,             //                the horizontal flip
  jitter = 7,           //                the colour jitter factors
  folds = 8,            // which fold of the logistic head's k-fold choice an image is in
  validation_fold = 9,  // which fold of data.val_fold an image is in
};

// Mixes a number into a key (SplitMix64's finaliser over both): every input bit affects every output bit.
uint64_t mix_key(uint64_t key, uint64_t value);
// The key of a stream for a seed (or for an image's key, for the streams within a view).
uint64_t stream_key(uint64_t seed, RandomStream stream);
// The first 16 hex digits of a content hash as a number, to key an image by its bytes.
uint64_t key_of_hash(const std::string& hex_sha256);

class KeyedRandom {
 public:
  explicit KeyedRandom(uint64_t key) : state_(key) {}
  uint64_t next();
  // Uniform in [0, bound), every value equally likely (rejection of the biased tail); bound > 0.
  uint64_t below(uint64_t bound);
  // Uniform in [low, high), from the top 53 bits.
  double uniform(double low, double high);
  // Uniform integer in [low, high], inclusive.
  int integer(int low, int high);

 private:
  uint64_t state_;
};

// Fisher-Yates with KeyedRandom(key): the same permutation on every platform.
void portable_shuffle(std::vector<size_t>& items, uint64_t key);

// The shuffle that splits datasets, unchanged since tl's first release: Fisher-Yates over
// std::mt19937_64 (whose outputs the C++ standard fixes) with an unbiased bounded draw. Frozen on
// purpose: tl-eval recomputes a finished run's held-out split from its seed, so any change here
// would move that run's training images into its test split.
void split_shuffle(std::vector<size_t>& items, uint64_t seed);

}  // namespace tl
