#include "tl/data/folds.hpp"

#include <map>

#include "tl/base/error.hpp"
#include "tl/base/random.hpp"

namespace tl {

std::vector<int> stratified_folds(const std::vector<int64_t>& labels, int folds, uint64_t key) {
  if (folds < 2) throw Error("k-fold cross-validation needs at least 2 folds, got " + std::to_string(folds));
  std::map<int64_t, std::vector<size_t>> members;
  for (size_t item = 0; item < labels.size(); ++item) {
    if (labels[item] < 0) throw Error("stratified folds: item " + std::to_string(item) + " has a negative label");
    members[labels[item]].push_back(item);
  }
  std::vector<int> fold_of(labels.size());
  size_t dealt = 0;
  for (auto& [label, items] : members) {
    portable_shuffle(items, mix_key(key, static_cast<uint64_t>(label)));
    for (const size_t item : items) fold_of[item] = static_cast<int>(dealt++ % static_cast<size_t>(folds));
  }
  return fold_of;
}

}  // namespace tl
