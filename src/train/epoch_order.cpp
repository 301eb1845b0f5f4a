#include "tl/train/epoch_order.hpp"

#include <map>
#include <numeric>

#include "tl/base/random.hpp"

namespace tl {

std::vector<size_t> epoch_order(const std::vector<int64_t>& labels, Sampling sampling, uint64_t seed, int epoch) {
  const uint64_t epoch_key = mix_key(stream_key(seed, RandomStream::epoch_order), static_cast<uint64_t>(epoch));
  std::vector<size_t> order(labels.size());
  if (sampling == Sampling::shuffle) {
    std::iota(order.begin(), order.end(), 0);
    portable_shuffle(order, epoch_key);
    return order;
  }
  std::map<int64_t, std::vector<size_t>> rows_of_class;
  for (size_t row = 0; row < labels.size(); ++row) rows_of_class[labels[row]].push_back(row);
  std::vector<const std::vector<size_t>*> classes;
  classes.reserve(rows_of_class.size());
  for (const auto& [label, rows] : rows_of_class) classes.push_back(&rows);
  KeyedRandom random(epoch_key);
  for (size_t& row : order) {
    const auto& rows = *classes[random.below(classes.size())];
    row = rows[random.below(rows.size())];
  }
  return order;
}

}  // namespace tl
