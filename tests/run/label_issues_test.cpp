// Label issues from out-of-fold probabilities: only images whose most probable class is another
// than their label are listed, the least probable given label first; the file reads back unchanged,
// and a damaged one is an error naming the field.
#include "tl/run/label_issues.hpp"

#include <gtest/gtest.h>

#include "support/error_of.hpp"
#include "tl/base/error.hpp"

namespace {

using tl::testing::error_of;

tl::OutOfFoldProbabilities five_photos() {
  tl::OutOfFoldProbabilities held_out;
  held_out.classes = 3;
  held_out.folds = 5;
  held_out.paths = {"a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"};
  held_out.labels = {0, 1, 2, 0, 1};
  held_out.probabilities = {
      0.8F, 0.1F, 0.1F,  // a: right
      0.6F, 0.3F, 0.1F,  // b: given 0.3, class 0 by 0.3
      0.0F, 0.9F, 0.1F,  // c: given 0.1, class 1 by 0.8
      0.2F, 0.2F, 0.6F,  // d: given 0.2, class 2 by 0.4
      0.1F, 0.1F, 0.8F,  // e: given 0.1, class 2 by 0.7
  };
  return held_out;
}

TEST(LabelIssues, ListsTheDoubtedLabelsLeastProbableFirst) {
  const tl::LabelIssues issues = tl::find_label_issues(five_photos(), {"cat", "dog", "fox"});
  EXPECT_EQ(issues.images_checked, 5);
  EXPECT_EQ(issues.folds, 5);
  ASSERT_EQ(issues.issues.size(), 4u);
  EXPECT_EQ(issues.issues[0].path, "c.jpg") << "given 0.1 like e, with the wider margin";
  EXPECT_EQ(issues.issues[0].given, 2);
  EXPECT_EQ(issues.issues[0].suggested, 1);
  EXPECT_NEAR(issues.issues[0].margin(), 0.8, 1e-6);
  EXPECT_EQ(issues.issues[1].path, "e.jpg");
  EXPECT_EQ(issues.issues[2].path, "d.jpg");
  EXPECT_EQ(issues.issues[3].path, "b.jpg");
  EXPECT_NEAR(issues.issues[3].given_probability, 0.3, 1e-6);
  EXPECT_NEAR(issues.issues[3].suggested_probability, 0.6, 1e-6);
}

TEST(LabelIssues, ATieWithTheGivenClassIsNoIssue) {
  tl::OutOfFoldProbabilities held_out = five_photos();
  held_out.probabilities = {0.45F, 0.45F, 0.1F, 0.1F, 0.8F, 0.1F, 0.1F, 0.1F, 0.8F, 0.8F, 0.1F, 0.1F, 0.1F, 0.8F, 0.1F};
  EXPECT_TRUE(tl::find_label_issues(held_out, {"cat", "dog", "fox"}).issues.empty());
}

TEST(LabelIssues, TheFileReadsBackAndNamesADamagedField) {
  const tl::LabelIssues issues = tl::find_label_issues(five_photos(), {"cat", "dog", "fox"});
  const nlohmann::json json = issues.to_json();
  EXPECT_EQ(json["issues"][0]["given_class"], "fox");
  EXPECT_EQ(json["issues"][0]["path"], "c.jpg");
  EXPECT_EQ(json["issues"][0]["suggested_class"], "dog");
  const tl::LabelIssues read = tl::LabelIssues::from_json(json, "label_issues.json");
  EXPECT_EQ(read.to_json(), json);

  nlohmann::json damaged = json;
  damaged["issues"][1]["suggested"] = 7;
  EXPECT_EQ(error_of([&] { tl::LabelIssues::from_json(damaged, "label_issues.json"); }),
            "label_issues.json: issues[1].suggested: expected a class number below 3");
  damaged = json;
  damaged["issues"][0]["given_probability"] = 1.5;
  EXPECT_EQ(error_of([&] { tl::LabelIssues::from_json(damaged, "label_issues.json"); }),
            "label_issues.json: issues[0].given_probability: expected a probability");
}

TEST(LabelIssues, SizesThatDoNotFitAreAnError) {
  tl::OutOfFoldProbabilities held_out = five_photos();
  held_out.paths.pop_back();
  EXPECT_THROW(tl::find_label_issues(held_out, {"cat", "dog", "fox"}), tl::Error);
  EXPECT_THROW(tl::find_label_issues(five_photos(), {"cat", "dog"}), tl::Error);
}

}  // namespace
