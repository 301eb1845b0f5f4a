#include "tl/data/split.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "tl/base/error.hpp"

namespace tl {
namespace {

uint64_t bounded_draw(std::mt19937_64& generator, uint64_t bound) {
  // Rejection sampling keeps every value equally likely; std::uniform_int_distribution would too,
  // but its algorithm differs between standard libraries.
  const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % bound;
  uint64_t value = generator();
  while (value >= limit) value = generator();
  return value % bound;
}

size_t share(size_t count, double fraction) { return static_cast<size_t>(std::llround(count * fraction)); }

std::map<int, std::vector<size_t>> by_class(const Dataset& dataset, OfficialSplit wanted) {
  std::map<int, std::vector<size_t>> groups;
  for (size_t i = 0; i < dataset.samples.size(); ++i) {
    if (dataset.official[i] == wanted) groups[dataset.samples[i].label].push_back(i);
  }
  return groups;
}

}  // namespace

const std::vector<size_t>& Split::named(const std::string& split_name) const {
  if (split_name == "train") return train;
  if (split_name == "val") return val;
  if (split_name == "test") return test;
  throw Error("split: expected one of train|val|test, got \"" + split_name + "\"");
}

void portable_shuffle(std::vector<size_t>& items, uint64_t seed) {
  std::mt19937_64 generator(seed);
  for (size_t i = items.size(); i > 1; --i) {
    std::swap(items[i - 1], items[bounded_draw(generator, i)]);
  }
}

Split make_split(const Dataset& dataset, const SplitOptions& options) {
  Split split;
  const bool official = dataset.has_official_split();
  const auto pool = by_class(dataset, official ? OfficialSplit::trainval : OfficialSplit::none);
  for (const auto& [label, members] : pool) {
    std::vector<size_t> shuffled = members;
    // One stream per class: adding a class to the dataset leaves the others' splits unchanged.
    portable_shuffle(shuffled, options.seed * 1000003u + static_cast<uint64_t>(label));
    const size_t count = shuffled.size();
    size_t test_count = official ? 0 : share(count, options.test_fraction);
    size_t val_count = share(count, options.val_fraction);
    while (test_count + val_count >= count && test_count + val_count > 0) {
      (val_count >= test_count ? val_count : test_count)--;
    }
    split.test.insert(split.test.end(), shuffled.begin(), shuffled.begin() + test_count);
    split.val.insert(split.val.end(), shuffled.begin() + test_count, shuffled.begin() + test_count + val_count);
    split.train.insert(split.train.end(), shuffled.begin() + test_count + val_count, shuffled.end());
  }
  if (official) {
    for (size_t i = 0; i < dataset.samples.size(); ++i) {
      if (dataset.official[i] == OfficialSplit::test) split.test.push_back(i);
    }
  }
  for (auto* part : {&split.train, &split.val, &split.test}) std::sort(part->begin(), part->end());
  return split;
}

}  // namespace tl
