// Splits are stratified, seeded and the same on every machine.
#include "tl/data/split.hpp"

#include <algorithm>
#include <map>
#include <numeric>

#include <gtest/gtest.h>

#include "support/shared_data.hpp"
#include "tl/data/experiment_data.hpp"

namespace {

tl::Dataset synthetic_dataset(const std::vector<int>& per_class) {
  tl::Dataset dataset;
  for (size_t label = 0; label < per_class.size(); ++label) {
    dataset.class_names.push_back("c" + std::to_string(label));
    for (int i = 0; i < per_class[label]; ++i) {
      dataset.samples.push_back(
          {"c" + std::to_string(label) + "/" + std::to_string(1000 + i) + ".jpg", static_cast<int>(label)});
      dataset.official.push_back(tl::OfficialSplit::none);
    }
  }
  return dataset;
}

std::map<int, int> per_label(const tl::Dataset& dataset, const std::vector<size_t>& indices) {
  std::map<int, int> counts;
  for (size_t index : indices) ++counts[dataset.samples[index].label];
  return counts;
}

TEST(Split, StratifiedFractionsPartitionEverySample) {
  const auto dataset = synthetic_dataset({100, 40, 7, 1});
  const auto split = tl::make_split(dataset, {0.2, 0.1, 7});
  EXPECT_EQ(split.train.size() + split.val.size() + split.test.size(), dataset.samples.size());
  std::vector<size_t> all;
  for (auto* part : {&split.train, &split.val, &split.test}) all.insert(all.end(), part->begin(), part->end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a sample is in two splits";
  const auto val = per_label(dataset, split.val);
  const auto test = per_label(dataset, split.test);
  EXPECT_EQ(val.at(0), 20);
  EXPECT_EQ(test.at(0), 10);
  EXPECT_EQ(val.at(1), 8);
  EXPECT_EQ(test.at(1), 4);
  EXPECT_EQ(per_label(dataset, split.train).at(3), 1) << "a class of one keeps its sample for training";
}

// data.val_fold: the K folds' validation splits partition what is not test, the test split is the
// one val_fraction would leave, and each fold holds its share of every class.
TEST(Split, ValidationFoldsPartitionTheImagesOutsideTheTestSplit) {
  const auto dataset = synthetic_dataset({100, 40, 7, 1});
  tl::SplitOptions options{0.0, 0.1, 7};
  const tl::Split without_validation = tl::make_split(dataset, options);
  options.val_folds = 4;
  std::vector<size_t> validated;
  for (int index = 0; index < 4; ++index) {
    options.val_fold_index = index;
    const tl::Split split = tl::make_split(dataset, options);
    EXPECT_EQ(split.test, without_validation.test) << "fold " << index;
    EXPECT_EQ(split.train.size() + split.val.size(), without_validation.train.size());
    EXPECT_NEAR(static_cast<double>(split.val.size()), without_validation.train.size() / 4.0, 1.0);
    const auto val = per_label(dataset, split.val);
    EXPECT_NEAR(val.at(0), 90 / 4.0, 1.0) << "fold " << index;
    EXPECT_NEAR(val.at(1), 36 / 4.0, 1.0) << "fold " << index;
    for (const size_t image : split.val) {
      EXPECT_FALSE(std::binary_search(split.train.begin(), split.train.end(), image));
    }
    validated.insert(validated.end(), split.val.begin(), split.val.end());
  }
  std::sort(validated.begin(), validated.end());
  EXPECT_EQ(validated, without_validation.train) << "every image outside the test split validates once";
}

TEST(Split, SameSeedSameSplitOtherSeedOtherSplit) {
  const auto dataset = synthetic_dataset({50, 50});
  const auto a = tl::make_split(dataset, {0.2, 0.2, 1});
  const auto b = tl::make_split(dataset, {0.2, 0.2, 1});
  const auto c = tl::make_split(dataset, {0.2, 0.2, 2});
  EXPECT_EQ(a.test, b.test);
  EXPECT_EQ(a.val, b.val);
  EXPECT_NE(a.test, c.test);
}

// Training, evaluation, tl-info and the benchmarks cut their split through split_options: the
// experiment's fractions and its seed, so another seed is another split.
TEST(Split, AnExperimentsSplitFollowsItsFractionsAndSeed) {
  tl::Experiment experiment;
  experiment.data.val_fraction = 0.2;
  experiment.data.test_fraction = 0.3;
  experiment.seed = 7;
  const tl::SplitOptions options = tl::split_options(experiment);
  EXPECT_DOUBLE_EQ(options.val_fraction, 0.2);
  EXPECT_DOUBLE_EQ(options.test_fraction, 0.3);
  EXPECT_EQ(options.seed, 7u);
  const tl::Dataset dataset = synthetic_dataset({20, 20});
  const tl::Split split = tl::make_split(dataset, options);
  EXPECT_EQ(split.val.size(), 8u);
  EXPECT_EQ(split.test.size(), 12u);
  experiment.seed = 8;
  EXPECT_NE(tl::make_split(dataset, tl::split_options(experiment)).test, split.test);
  experiment.data.val_fold = tl::ValidationFold{2, 4};
  const tl::SplitOptions folded = tl::split_options(experiment);
  EXPECT_EQ(folded.val_folds, 4);
  EXPECT_EQ(folded.val_fold_index, 2);

  experiment.data.layout = tl::Layout::oxford_pets;
  experiment.data.root = "pets";
  experiment.data.target = tl::OxfordTarget::species;
  const tl::LayoutOptions layout = tl::layout_options(experiment.data);
  EXPECT_EQ(layout.layout, tl::Layout::oxford_pets);
  EXPECT_EQ(layout.root, "pets");
  EXPECT_EQ(layout.target, tl::OxfordTarget::species);
}

TEST(Split, OfficialTestStaysAndValIsCarvedFromTrainval) {
  auto dataset = synthetic_dataset({20, 20});
  for (size_t i = 0; i < dataset.samples.size(); ++i) {
    dataset.official[i] = i % 4 == 0 ? tl::OfficialSplit::test : tl::OfficialSplit::trainval;
  }
  const auto split = tl::make_split(dataset, {0.2, 0.5, 3});
  EXPECT_EQ(split.test.size(), 10u) << "the official test lines, whatever test_fraction says";
  for (size_t index : split.test) EXPECT_EQ(dataset.official[index], tl::OfficialSplit::test);
  for (size_t index : split.val) EXPECT_EQ(dataset.official[index], tl::OfficialSplit::trainval);
  EXPECT_EQ(split.val.size(), 6u);  // round(15 * 0.2) = 3 per class
}

}  // namespace
