// Stratified folds: every item in one fold, fold sizes within one, each class spread evenly, the
// assignment fixed by the seed and different between seeds.
#include "tl/data/folds.hpp"

#include <algorithm>
#include <map>

#include <gtest/gtest.h>

#include "tl/base/error.hpp"
#include "tl/base/random.hpp"

namespace {

// 37 classes of 9 to 20 items, unevenly sized as a small breed dataset's are.
std::vector<int64_t> uneven_labels() {
  std::vector<int64_t> labels;
  for (int64_t label = 0; label < 37; ++label) {
    for (int64_t item = 0; item < 9 + (label * 7) % 12; ++item) labels.push_back(label);
  }
  return labels;
}

TEST(StratifiedFolds, FoldSizesDifferByAtMostOneAndEachClassIsSpreadEvenly) {
  const std::vector<int64_t> labels = uneven_labels();
  const std::vector<int> fold_of = tl::stratified_folds(labels, 5, tl::stream_key(0, tl::RandomStream::folds));
  ASSERT_EQ(fold_of.size(), labels.size());
  std::vector<int> sizes(5);
  std::map<int64_t, std::vector<int>> per_class;
  for (size_t item = 0; item < labels.size(); ++item) {
    ASSERT_GE(fold_of[item], 0);
    ASSERT_LT(fold_of[item], 5);
    ++sizes[static_cast<size_t>(fold_of[item])];
    per_class[labels[item]].resize(5);
    ++per_class[labels[item]][static_cast<size_t>(fold_of[item])];
  }
  EXPECT_LE(*std::max_element(sizes.begin(), sizes.end()) - *std::min_element(sizes.begin(), sizes.end()), 1);
  for (const auto& [label, counts] : per_class) {
    EXPECT_LE(*std::max_element(counts.begin(), counts.end()) - *std::min_element(counts.begin(), counts.end()), 1)
        << "class " << label;
  }
}

TEST(StratifiedFolds, TheSeedFixesTheAssignment) {
  const std::vector<int64_t> labels = uneven_labels();
  EXPECT_EQ(tl::stratified_folds(labels, 5, tl::stream_key(3, tl::RandomStream::folds)),
            tl::stratified_folds(labels, 5, tl::stream_key(3, tl::RandomStream::folds)));
  EXPECT_NE(tl::stratified_folds(labels, 5, tl::stream_key(3, tl::RandomStream::folds)),
            tl::stratified_folds(labels, 5, tl::stream_key(4, tl::RandomStream::folds)));
}

TEST(StratifiedFolds, FewerThanTwoFoldsOrANegativeLabelIsAnError) {
  EXPECT_THROW(tl::stratified_folds({0, 1, 0, 1}, 1, 0), tl::Error);
  EXPECT_THROW(tl::stratified_folds({0, -1}, 2, 0), tl::Error);
}

}  // namespace
