// Mapping another dataset's classes onto a run's by name.
#include "tl/eval/evaluation.hpp"

#include <gtest/gtest.h>

#include "tl/base/error.hpp"

namespace {

TEST(Evaluation, ClassesMapByNameThenIgnoringCase) {
  tl::Dataset dataset;
  dataset.class_names = {"cat", "dog"};
  dataset.samples = {{"a.jpg", 0}, {"b.jpg", 1}, {"c.jpg", 1}};
  tl::map_classes_by_name(dataset, {"Bird", "Dog", "Cat"});
  EXPECT_EQ(dataset.samples[0].label, 2);
  EXPECT_EQ(dataset.samples[1].label, 1);
  EXPECT_EQ(dataset.class_names, (std::vector<std::string>{"Bird", "Dog", "Cat"}));
}

TEST(Evaluation, ExactNameWinsOverACaseInsensitiveOne) {
  tl::Dataset dataset;
  dataset.class_names = {"cat"};
  dataset.samples = {{"a.jpg", 0}};
  tl::map_classes_by_name(dataset, {"Cat", "cat"});
  EXPECT_EQ(dataset.samples[0].label, 1);
}

TEST(Evaluation, UnknownClassIsAnErrorNamingIt) {
  tl::Dataset dataset;
  dataset.class_names = {"cat", "fox"};
  dataset.samples = {{"a.jpg", 1}};
  try {
    tl::map_classes_by_name(dataset, {"Cat", "Dog"});
    FAIL() << "expected an error";
  } catch (const tl::Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "class \"fox\" of the evaluated data is not one of the run's classes (Cat, Dog)");
  }
}

}  // namespace
