// The files of a run directory: one name for each, and a replaced run leaves none of its own behind.
#include "tl/run/run_directory.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "support/temp_directory.hpp"
#include "tl/base/error.hpp"

namespace {

void touch(const std::filesystem::path& file) { std::ofstream(file) << "{}\n"; }

TEST(RunDirectory, EvaluationsOfItsOwnSplitsAndOfOtherDatasetsHaveTheirOwnFiles) {
  const tl::RunDirectory run("runs/pets");
  EXPECT_EQ(run.evaluation("test"), std::filesystem::path("runs/pets/eval_test.json"));
  EXPECT_EQ(run.evaluation_on("test", "/data/oxford-iiit-pet/"),
            std::filesystem::path("runs/pets/eval_test_on_oxford-iiit-pet.json"));
  EXPECT_EQ(run.evaluation_on("val", "../other photos"),
            std::filesystem::path("runs/pets/eval_val_on_other_photos.json"))
      << "a folder name becomes a safe file name";
  EXPECT_EQ(run.evaluation_on("test", "/"), std::filesystem::path("runs/pets/eval_test_on_dataset.json"));
}

TEST(RunDirectory, ListsItsEvaluationsAndAReplacedRunRemovesThem) {
  tl::testing::TempDirectory dir;
  const tl::RunDirectory run(dir.path());
  touch(run.config());
  touch(run.evaluation("val"));
  touch(run.evaluation("test"));
  touch(run.evaluation_on("test", "elsewhere"));
  touch(dir.path() / "notes.json");
  const std::vector<std::filesystem::path> expected = {run.evaluation("test"), run.evaluation_on("test", "elsewhere"),
                                                       run.evaluation("val")};
  EXPECT_EQ(run.evaluations(), expected);
  EXPECT_THROW(run.claim(false), tl::Error);
  run.claim(true);
  EXPECT_TRUE(run.evaluations().empty());
  EXPECT_FALSE(std::filesystem::exists(run.config()));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "notes.json")) << "a file tl did not write stays";
}

}  // namespace
