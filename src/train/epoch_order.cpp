#include "tl/train/epoch_order.hpp"

#include <map>
#include <numeric>

#include "tl/base/random.hpp"
#include "tl/data/split.hpp"

namespace tl {

std::vector<size_t> epoch_order(const std::vector<int64_t>& labels, Sampling sampling, uint64_t seed,
                                int epoch) {
  const uint64_t epoch_seed = seed * 7919u + static_cast<uint64_t>(epoch);
  std::vector<size_t> order(labels.size());
  if (sampling == Sampling::shuffle) {
    std::iota(order.begin(), order.end(), 0);
    portable_shuffle(order, epoch_seed);
    return order;
  }
  std::map<int64_t, std::vector<size_t>> rows_of_class;
  for (size_t row = 0; row < labels.size(); ++row) rows_of_class[labels[row]].push_back(row);
  std::vector<const std::vector<size_t>*> classes;
  for (const auto& [label, rows] : rows_of_class) classes.push_back(&rows);
  for (size_t draw = 0; draw < order.size(); ++draw) {
    const uint64_t key = mix_key(epoch_seed, draw);
    const auto& rows = *classes[key % classes.size()];
    order[draw] = rows[(key / classes.size()) % rows.size()];
  }
  return order;
}

}  // namespace tl
