#pragma once
// Split: which samples of a Dataset train, validate and test. Deterministic for a seed on every
// machine: samples are taken in sorted order and shuffled per class with a portable generator, so a
// stratified split never depends on the standard library or the file system.
#include <cstdint>
#include <string>
#include <vector>

#include "tl/data/dataset.hpp"

namespace tl {

struct Split {
  std::vector<size_t> train, val, test;  // indices into Dataset::samples, ascending

  const std::vector<size_t>& named(const std::string& split_name) const;  // "train" | "val" | "test"
};

struct SplitOptions {
  double val_fraction = 0.15;
  double test_fraction = 0.15;  // ignored when the dataset has an official test split
  uint64_t seed = 0;
};

// With an official split, test = the official test lines and val is carved (stratified) out of trainval.
// Without one, every class is divided by the fractions; each class keeps at least one training sample.
Split make_split(const Dataset& dataset, const SplitOptions& options);

// Fisher-Yates with std::mt19937_64 and an unbiased bounded draw: identical on every platform.
void portable_shuffle(std::vector<size_t>& items, uint64_t seed);

}  // namespace tl
