// Per-image predictions and the CSV tl-eval writes of them.
#include "tl/run/evaluated_images.hpp"

#include <cmath>
#include <sstream>

#include <gtest/gtest.h>

#include "tl/base/error.hpp"

namespace {

TEST(EvaluatedImages, RankClassesByProbabilityAndSortImagesByPath) {
  // Three classes; logits chosen so that the probabilities are easy to read back.
  const std::vector<float> logits = {std::log(0.2f), std::log(0.5f), std::log(0.3f),   // z.jpg, class 2
                                     std::log(0.7f), std::log(0.1f), std::log(0.2f)};  // a.jpg, class 0
  const auto predictions = tl::evaluated_images(logits, {2, 0}, {"z.jpg", "a.jpg"}, 3, 2);
  ASSERT_EQ(predictions.size(), 2u);
  EXPECT_EQ(predictions[0].path, "a.jpg") << "sorted by path";
  EXPECT_EQ(predictions[0].top_classes, (std::vector<int>{0, 2}));
  EXPECT_NEAR(predictions[0].top_probabilities[0], 0.7, 1e-6);
  EXPECT_EQ(predictions[1].predicted(), 1);
  EXPECT_NEAR(predictions[1].true_probability, 0.3, 1e-6);
  EXPECT_NEAR(predictions[1].loss, -std::log(0.3), 1e-6);
  EXPECT_THROW(tl::evaluated_images(logits, {0}, {"a.jpg"}, 3, 2), tl::Error);
}

TEST(EvaluatedImages, CsvHasARowPerImageWithTheTopClassesAndSafeCells) {
  const std::vector<float> logits = {0.0f, 2.0f, 0.0f, 1.0f, 0.0f, 0.0f};
  const auto predictions = tl::evaluated_images(logits, {1, 2}, {"pets/cat, \"tabby\".jpg", "=HYPERLINK(x).jpg"}, 3, 3);
  const std::string csv = tl::predictions_csv(predictions, {"cat", "dog", "-bird"});
  std::istringstream lines(csv);
  std::string header, first, second, extra;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_FALSE(std::getline(lines, extra));
  EXPECT_EQ(header,
            "path,true_class,predicted_class,probability,true_probability,loss,correct,class_2,probability_2,class_3,"
            "probability_3");
  // "=HYPERLINK..." sorts first (byte order) and is written as text, as is the class "-bird".
  EXPECT_EQ(first.rfind("'=HYPERLINK(x).jpg,'-bird,cat,", 0), 0u) << first;
  EXPECT_NE(first.find(",0,"), std::string::npos) << "wrong: correct is 0\n" << first;
  EXPECT_EQ(second.rfind("\"pets/cat, \"\"tabby\"\".jpg\",dog,dog,", 0), 0u) << second;
  EXPECT_NE(second.find(",1,"), std::string::npos) << second;
}

}  // namespace
