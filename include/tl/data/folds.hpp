#pragma once
// Folds for k-fold cross-validation, stratified by class: each class's items are shuffled (keyed by
// a stream key of the run's seed and by the class) and dealt into the folds in turn, each class
// continuing where the previous one stopped, so fold sizes differ by at most one and every class is
// spread as evenly as its size allows. The same on every machine (tl/base/random.hpp).
#include <cstdint>
#include <vector>

namespace tl {

// The fold (0..folds-1) of each item, from its class label (>= 0). folds >= 2; `key` is the
// stream_key of the seed and the use (RandomStream::folds, RandomStream::validation_fold).
std::vector<int> stratified_folds(const std::vector<int64_t>& labels, int folds, uint64_t key);

}  // namespace tl
