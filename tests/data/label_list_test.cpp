// The list layout: CSV, TSV and JSON Lines files of path,label[,split], parsed from text (no images
// read), and every malformed line an error naming the file and the line.
#include "tl/data/label_list.hpp"

#include <gtest/gtest.h>

#include "support/temp_directory.hpp"
#include "tl/base/error.hpp"
#include "tl/data/split.hpp"

namespace {

using tl::testing::TempDirectory;
using tl::testing::write_file;

const std::filesystem::path kList = "/data/pets/labels.csv";

std::string error_of(const std::string& text, tl::LabelListFormat format = tl::LabelListFormat::csv) {
  try {
    tl::parse_label_list(text, format, kList);
  } catch (const tl::Error& error) {
    return error.what();
  }
  return "no error";
}

TEST(LabelList, CsvWithAHeaderInAnyOrderQuotesAndRelativePaths) {
  const tl::Dataset dataset = tl::parse_label_list(
      "\xEF\xBB\xBFlabel,path\r\n"
      "# a comment\n"
      "dog,images/b.jpg\n"
      "cat,\"images/with, comma.jpg\"\n"
      "\n"
      "\"say \"\"cat\"\"\",/elsewhere/c.png\n",
      tl::LabelListFormat::csv, kList);
  EXPECT_EQ(dataset.class_names, (std::vector<std::string>{"cat", "dog", "say \"cat\""}));
  ASSERT_EQ(dataset.samples.size(), 3u);
  EXPECT_EQ(dataset.samples[0].path, "/data/pets/images/b.jpg") << "sorted by path";
  EXPECT_EQ(dataset.samples[0].label, 1);
  EXPECT_EQ(dataset.samples[1].path, "/data/pets/images/with, comma.jpg");
  EXPECT_EQ(dataset.samples[1].label, 0);
  EXPECT_EQ(dataset.samples[2].path, "/elsewhere/c.png") << "an absolute path stays";
  EXPECT_FALSE(dataset.has_official_split());
}

TEST(LabelList, SplitsGivenOnEveryLineAreTheSplits) {
  const tl::Dataset dataset = tl::parse_label_list(
      "a/1.jpg\tcat\ttrain\na/2.jpg\tcat\tval\na/3.jpg\tcat\ttest\na/4.jpg\tdog\ttrain\n"
      "a/5.jpg\tdog\ttrain\na/6.jpg\tdog\ttest\n",
      tl::LabelListFormat::tsv, "/d/list.tsv");
  ASSERT_EQ(dataset.samples.size(), 6u);
  EXPECT_EQ(dataset.official[0], tl::OfficialSplit::trainval);
  EXPECT_EQ(dataset.official[1], tl::OfficialSplit::val);
  EXPECT_EQ(dataset.official[2], tl::OfficialSplit::test);
  tl::SplitOptions options;
  options.val_fraction = 0.5;
  const tl::Split split = tl::make_split(dataset, options);
  EXPECT_EQ(split.train, (std::vector<size_t>{0, 3, 4}));
  EXPECT_EQ(split.val, (std::vector<size_t>{1})) << "val lines as given, nothing carved from train";
  EXPECT_EQ(split.test, (std::vector<size_t>{2, 5}));

  options.val_folds = 2;
  options.val_fold_index = 0;
  const tl::Split folded = tl::make_split(dataset, options);
  EXPECT_EQ(folded.test, (std::vector<size_t>{2, 5}));
  EXPECT_EQ(folded.train.size() + folded.val.size(), 4u) << "folds deal out train and val lines together";
}

TEST(LabelList, JsonLinesTakeNamesOrIntegerLabels) {
  const tl::Dataset dataset = tl::parse_label_list(
      "{\"path\": \"x.jpg\", \"label\": 3, \"split\": \"train\"}\n{\"path\": \"y.jpg\", \"label\": \"cat\", \"split\": "
      "\"test\"}\n",
      tl::LabelListFormat::jsonl, "/d/list.jsonl");
  EXPECT_EQ(dataset.class_names, (std::vector<std::string>{"3", "cat"}));
  EXPECT_EQ(dataset.official, (std::vector<tl::OfficialSplit>{tl::OfficialSplit::trainval, tl::OfficialSplit::test}));
  EXPECT_EQ(error_of("{\"path\": \"x.jpg\", \"label\": 3}\n{\"path\": \"y.jpg\", \"label\": 3, \"split\": \"test\"}\n",
                     tl::LabelListFormat::jsonl),
            kList.string() + ":2: split: given, where line 1 gives none");
  EXPECT_EQ(error_of("{\"path\": \"x.jpg\"}\n", tl::LabelListFormat::jsonl), kList.string() + ":1: label: required");
  EXPECT_EQ(error_of("{\"path\": \"x.jpg\", \"label\": \"a\", \"class\": 1}\n", tl::LabelListFormat::jsonl),
            kList.string() + ":1: unknown key \"class\" (known: path, label, split)");
  EXPECT_EQ(error_of("[1, 2]\n", tl::LabelListFormat::jsonl),
            kList.string() + ":1: expected a JSON object {\"path\": ..., \"label\": ...}");
  EXPECT_EQ(error_of("{\"path\": 7, \"label\": \"a\"}\n", tl::LabelListFormat::jsonl),
            kList.string() + ":1: path: expected a string, got 7");
}

TEST(LabelList, MalformedLinesNameTheFileAndTheLine) {
  const std::string file = kList.string();
  EXPECT_EQ(error_of("a.jpg\n"), file + ":1: expected path, label and an optional split, got 1 fields");
  EXPECT_EQ(error_of("a.jpg,cat\nb.jpg,dog,test\n"), file + ":2: expected 2 fields, as the first line has, got 3");
  EXPECT_EQ(error_of("a.jpg,cat,train\nb.jpg,dog,holdout\n"),
            file + ":2: split: expected one of train|val|test, got \"holdout\"");
  EXPECT_EQ(error_of("path,label,split\na.jpg,cat,train\nb.jpg,dog,\n"),
            file + ":3: split: expected one of train|val|test, got \"\"");
  EXPECT_EQ(error_of("a.jpg,cat\n,dog\n"), file + ":2: path: empty");
  EXPECT_EQ(error_of("a.jpg,\n"), file + ":1: label: empty");
  EXPECT_EQ(error_of("a.jpg,cat\n./a.jpg,dog\n"), file + ":2: \"/data/pets/a.jpg\" is listed twice (first on line 1)");
  EXPECT_EQ(error_of("\"a.jpg,cat\n"), file + ":1: a quoted field does not end on its line");
  EXPECT_EQ(error_of("\"a\"b.jpg,cat\n"), file + ":1: expected a comma after the closing quote");
  EXPECT_EQ(error_of("a.jpg,\xff\xfe\n"), file + ":1: label: not UTF-8 text");
  EXPECT_EQ(error_of("# nothing\n\n"), file + ": lists no images (expected lines of path,label[,split])");
  EXPECT_EQ(error_of("path,label\n"), file + ": lists no images (expected lines of path,label[,split])");
}

TEST(LabelList, FilesAreReadByTheirExtension) {
  TempDirectory dir;
  write_file(dir / "pets.csv", "a.jpg,cat\n");
  EXPECT_EQ(tl::load_label_list(dir / "pets.csv").samples.at(0).path, dir / "a.jpg");
  write_file(dir / "pets.xlsx", "a.jpg,cat\n");
  EXPECT_THROW(tl::load_label_list(dir / "pets.xlsx"), tl::Error);
  try {
    tl::load_dataset({tl::Layout::list, dir / "missing.csv", tl::OxfordTarget::breed});
    FAIL() << "a missing list is an error";
  } catch (const tl::Error& error) {
    EXPECT_NE(std::string(error.what()).find("missing.csv: not a list file"), std::string::npos) << error.what();
  }
}

}  // namespace
