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

// Every row once, in an order that reads storage front to back: the sources (shards, numbered by
// `source_of_row`) in a seeded order, each one's rows in row order, drawn at random from a window
// of the next `buffer` rows (WebDataset's shuffle buffer). Reads then move forward through one
// shard or two at a time, never jumping back further than the window, while neighbours are mixed.
std::vector<size_t> streamed_epoch_order(const std::vector<size_t>& source_of_row, size_t buffer, uint64_t seed,
                                         int epoch);

}  // namespace tl
