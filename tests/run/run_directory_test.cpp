// The files of a run directory: one name for each, and a replaced run leaves none of its own behind.
#include "tl/run/run_directory.hpp"

#include <fstream>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/temp_directory.hpp"
#include "tl/base/error.hpp"
#include "tl/run/evaluation_record.hpp"
#include "tl/run/run_summary.hpp"

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
  // A 240-character folder once failed with "File name too long" after the whole evaluation.
  const std::string long_name = run.evaluation_on("test", "/data/" + std::string(240, 'x')).filename().string();
  EXPECT_EQ(long_name.size(), 200u) << "room for the temporary written first";
  EXPECT_NE(long_name, run.evaluation_on("test", "/data/" + std::string(239, 'x') + "y").filename().string());
  EXPECT_EQ(long_name.substr(0, 20), "eval_test_on_xxxxxxx");
}

// Each file of a run replaced by a FIFO (which hung tl-info, tl-report and tl-dream) or a link to
// /dev/zero (which grew them to 24 GB, or ended in bad_alloc): an error naming the file, at once.
TEST(RunDirectory, ItsFilesAreReadOnlyAsBoundedRegularFiles) {
  tl::testing::TempDirectory dir;
  const tl::RunDirectory run(dir.path());
  for (const std::filesystem::path& file :
       {run.config(), run.classes(), run.metrics(), run.summary(), run.evaluation("test")}) {
    for (const bool fifo : {true, false}) {
      std::filesystem::remove(file);
      if (fifo) {
        ASSERT_EQ(::mkfifo(file.c_str(), 0600), 0);
      } else {
        std::filesystem::create_symlink("/dev/zero", file);
      }
      std::string error = "no error";
      try {
        if (file == run.config()) run.load_experiment();
        if (file == run.classes()) run.load_class_names();
        if (file == run.metrics()) run.load_metrics();
        if (file == run.summary()) tl::read_run_summary(file);
        if (file == run.evaluation("test")) tl::read_evaluation_record(file);
      } catch (const tl::Error& thrown) {
        error = thrown.what();
      }
      EXPECT_EQ(error, file.string() + ": not a regular file (" + (fifo ? "a FIFO" : "a character device") + ")");
    }
  }
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
