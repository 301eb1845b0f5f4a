#include "tl/data/split.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>

#include "tl/base/error.hpp"
#include "tl/base/random.hpp"
#include "tl/data/folds.hpp"

namespace tl {
namespace {

size_t share(size_t count, double fraction) {
  return static_cast<size_t>(std::llround(static_cast<double>(count) * fraction));
}

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

Split make_split(const Dataset& dataset, const SplitOptions& options) {
  Split split;
  const bool official = dataset.has_official_split();
  // A list file's val lines are the validation split as given: nothing more is carved.
  const bool given_val =
      std::find(dataset.official.begin(), dataset.official.end(), OfficialSplit::val) != dataset.official.end();
  const auto pool = by_class(dataset, official ? OfficialSplit::trainval : OfficialSplit::none);
  for (const auto& [label, members] : pool) {
    std::vector<size_t> shuffled = members;
    // One stream per class: adding a class to the dataset leaves the others' splits unchanged.
    // The frozen per-class key of split_shuffle (see tl/base/random.hpp: finished runs depend on it).
    split_shuffle(shuffled, options.seed * 1000003u + static_cast<uint64_t>(label));
    const size_t count = shuffled.size();
    size_t test_count = official ? 0 : share(count, options.test_fraction);
    size_t val_count = options.val_folds > 0 || given_val ? 0 : share(count, options.val_fraction);
    while (test_count + val_count >= count && test_count + val_count > 0) {
      (val_count >= test_count ? val_count : test_count)--;
    }
    const auto val_begin = shuffled.begin() + static_cast<std::ptrdiff_t>(test_count);
    const auto train_begin = val_begin + static_cast<std::ptrdiff_t>(val_count);
    split.test.insert(split.test.end(), shuffled.begin(), val_begin);
    split.val.insert(split.val.end(), val_begin, train_begin);
    split.train.insert(split.train.end(), train_begin, shuffled.end());
  }
  if (official) {
    for (size_t i = 0; i < dataset.samples.size(); ++i) {
      if (dataset.official[i] == OfficialSplit::test) split.test.push_back(i);
      if (dataset.official[i] == OfficialSplit::val) split.val.push_back(i);
    }
  }
  if (options.val_folds > 0) {
    // The folds deal out every image outside the test split, given val lines too.
    std::vector<size_t> pool = std::move(split.train);
    pool.insert(pool.end(), split.val.begin(), split.val.end());
    split.val.clear();
    std::sort(pool.begin(), pool.end());
    std::vector<int64_t> labels;
    labels.reserve(pool.size());
    for (const size_t index : pool) labels.push_back(dataset.samples[index].label);
    const std::vector<int> fold_of =
        stratified_folds(labels, options.val_folds, stream_key(options.seed, RandomStream::validation_fold));
    split.train.clear();
    for (size_t i = 0; i < pool.size(); ++i) {
      (fold_of[i] == options.val_fold_index ? split.val : split.train).push_back(pool[i]);
    }
  }
  for (auto* part : {&split.train, &split.val, &split.test}) std::sort(part->begin(), part->end());
  return split;
}

std::vector<int> class_counts(const Dataset& dataset, const std::vector<size_t>& indices) {
  std::vector<int> counts(dataset.class_names.size(), 0);
  for (const size_t index : indices) ++counts.at(static_cast<size_t>(dataset.samples.at(index).label));
  return counts;
}

}  // namespace tl
