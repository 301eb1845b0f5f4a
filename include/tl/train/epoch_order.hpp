#pragma once
// The order in which a training epoch visits its rows, seeded per epoch so a resumed run repeats it.
//   shuffle   every row once, in a random order
//   balanced  as many draws as rows, with replacement, each class present equally likely: rare
//             classes are seen as often as common ones (for imbalanced data)
#include <cstdint>
#include <vector>

#include "tl/config/train_options.hpp"

namespace tl {

std::vector<size_t> epoch_order(const std::vector<int64_t>& labels, Sampling sampling, uint64_t seed, int epoch);

}  // namespace tl
