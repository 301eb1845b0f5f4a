#include "tl/train/epoch_order.hpp"

#include <algorithm>
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

std::vector<size_t> streamed_epoch_order(const std::vector<size_t>& source_of_row, size_t buffer, uint64_t seed,
                                         int epoch) {
  const uint64_t epoch_key = mix_key(stream_key(seed, RandomStream::epoch_order), static_cast<uint64_t>(epoch));
  std::map<size_t, std::vector<size_t>> rows_of_source;
  for (size_t row = 0; row < source_of_row.size(); ++row) rows_of_source[source_of_row[row]].push_back(row);
  std::vector<size_t> sources;
  sources.reserve(rows_of_source.size());
  for (const auto& entry : rows_of_source) sources.push_back(entry.first);
  portable_shuffle(sources, epoch_key);
  KeyedRandom random(mix_key(epoch_key, 1));
  std::vector<size_t> window, order;
  order.reserve(source_of_row.size());
  const auto draw = [&] {
    std::swap(window[random.below(window.size())], window.back());
    order.push_back(window.back());
    window.pop_back();
  };
  for (const size_t source : sources) {
    for (const size_t row : rows_of_source[source]) {
      window.push_back(row);
      if (window.size() >= buffer) draw();
    }
  }
  while (!window.empty()) draw();
  return order;
}

}  // namespace tl
