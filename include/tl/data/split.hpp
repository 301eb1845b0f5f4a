#pragma once
// Split: which samples of a Dataset train, validate and test. Deterministic for a seed on every
// machine: samples are taken in sorted order and shuffled per class with split_shuffle (frozen, see
// tl/base/random.hpp), so a stratified split never depends on the standard library or the file
// system, adding a class leaves the others' splits unchanged, and a finished run's split is the
// same whichever tl version evaluates it.
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
  // Instead of val_fraction: the validation split is fold val_fold_index of val_folds stratified
  // folds (tl/data/folds.hpp) of the images outside the test split; val_folds 0 = off.
  int val_folds = 0;
  int val_fold_index = 0;
};

// With an official split, test = the official test lines and val is carved (stratified) out of trainval,
// unless the layout gives val lines too (a list file), which are the validation split as they are.
// Without one, every class is divided by the fractions; each class keeps at least one training sample.
// With val_folds, the test split is cut as before and the validation split is the chosen fold of the
// rest (a class with fewer images than folds may then have none left for training).
Split make_split(const Dataset& dataset, const SplitOptions& options);

// How many of `indices` belong to each of the dataset's classes (the class distribution of a split).
std::vector<int> class_counts(const Dataset& dataset, const std::vector<size_t>& indices);

}  // namespace tl
