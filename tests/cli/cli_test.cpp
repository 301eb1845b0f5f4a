// The executables end to end: tl-train, tl-eval and tl-predict as a user runs them, on synthetic
// data with a tiny backbone (fast, every behaviour) and on the real ../shared data with the real
// MobileNetV2 (the accuracy the product promises).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sys/resource.h>
#include <sys/stat.h>

#include "support/fixtures.hpp"
#include "support/shared_data.hpp"
#include "support/temp_directory.hpp"

namespace {

using tl::testing::read_file;
using tl::testing::run_command;
using tl::testing::TempDirectory;
using tl::testing::write_file;

const std::string kTrain = TL_TRAIN_EXE;
const std::string kEval = TL_EVAL_EXE;
const std::string kPredict = TL_PREDICT_EXE;
const std::string kExport = TL_EXPORT_EXE;
const std::string kSweep = TL_SWEEP_EXE;
const std::string kDream = TL_DREAM_EXE;
const std::string kAttack = TL_ATTACK_EXE;
const std::string kInfo = TL_INFO_EXE;
const std::string kShard = TL_SHARD_EXE;
const std::string kExplain = TL_EXPLAIN_EXE;

std::string single_quoted(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}
const std::filesystem::path kConfigs = TL_CONFIGS_DIR;
const std::filesystem::path kTools = TL_TOOLS_DIR;

nlohmann::json read_json(const std::filesystem::path& path) { return nlohmann::json::parse(read_file(path)); }

std::vector<nlohmann::json> read_json_lines(const std::filesystem::path& path) {
  std::vector<nlohmann::json> lines;
  std::istringstream text(read_file(path));
  for (std::string line; std::getline(text, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// tl-predict's top class and probabilities per image, in the order given.
std::vector<nlohmann::json> predict(const std::filesystem::path& run, const std::vector<std::filesystem::path>& images,
                                    const std::filesystem::path& work) {
  std::string command = kPredict + " --run " + run.string() + " --json -k 1000";
  for (const auto& image : images) command += " " + image.string();
  EXPECT_EQ(run_command(command, work / "predict.json", work / "predict.log"), 0) << read_file(work / "predict.log");
  const auto results = read_json(work / "predict.json");
  return {results.begin(), results.end()};
}

// The exported module run by PyTorch (tests/reference/run_exported.py): one JSON object per image.
// The run or sweep directory's files fit their published schemas (docs/schema), as a CI script
// checking them with tools/check_run_files.py would find.
void expect_files_fit_their_schemas(const std::filesystem::path& directory) {
  const std::filesystem::path log = directory.parent_path() / (directory.filename().string() + "-schema.log");
  EXPECT_EQ(run_command(tl::testing::python() + " " + (kTools / "check_run_files.py").string() + " " +
                            directory.string() + " 2>&1",
                        log),
            0)
      << read_file(log);
}

std::vector<nlohmann::json> run_exported_in_python(const std::filesystem::path& module,
                                                   const std::vector<std::filesystem::path>& images,
                                                   const std::filesystem::path& work) {
  std::string command = tl::testing::python() + " " +
                        (tl::testing::tests_dir() / "reference/run_exported.py").string() + " " + module.string();
  for (const auto& image : images) command += " " + image.string();
  EXPECT_EQ(run_command(command, work / "python.jsonl", work / "python.log"), 0) << read_file(work / "python.log");
  return read_json_lines(work / "python.jsonl");
}

// Each image: the same top class, and (softmax export) the same probabilities within `tolerance`.
void expect_same_predictions(const std::vector<nlohmann::json>& tl_predictions,
                             const std::vector<nlohmann::json>& python, const std::vector<std::string>& classes,
                             double tolerance) {
  ASSERT_EQ(tl_predictions.size(), python.size());
  for (size_t i = 0; i < python.size(); ++i) {
    const auto& predictions = tl_predictions[i]["predictions"];
    EXPECT_EQ(python[i]["class"], predictions[0]["class"]) << python[i]["image"];
    for (const auto& prediction : predictions) {
      const size_t index = prediction["index"].get<size_t>();
      ASSERT_LT(index, classes.size());
      EXPECT_NEAR(python[i]["outputs"][index].get<double>(), prediction["probability"].get<double>(), tolerance)
          << python[i]["image"] << " " << classes[index];
    }
  }
}

class SyntheticRun : public ::testing::Test {
 protected:
  void SetUp() override {
    tl::testing::make_image_folder(dir / "data", {"blue", "red"}, 24, 40);
    write_file(dir / "data/red/zero_bytes.jpg", "");
    write_file(dir / "data/blue/not_an_image.jpg", "plain text");
    std::filesystem::copy_file(tl::testing::tiny_backbones() / "tiny.pt", dir / "tiny.pt");
    std::filesystem::copy_file(tl::testing::tiny_backbones() / "tiny.json", dir / "tiny.json");
    // Each test has its own feature cache: the tiny backbone and the synthetic photos are the same in
    // every test, so a shared cache would make counts of backbone passes depend on the test order.
    write_file(dir / "experiment.yaml", R"(name: synthetic
seed: 3
threads: 2
cache_dir: cache
data: {layout: image_folder, root: data, val_fraction: 0.25, test_fraction: 0.25, batch_size: 8, workers: 2}
model: {backbone: tiny.pt, head: {type: linear}}
train: {epochs: 6, batch_size: 8, optimizer: {name: adam, lr: 0.05}, schedule: {name: step, step_size: 3, gamma: 0.5}}
output: {dir: run}
)");
  }

  int train(const std::string& extra = "") {
    return run_command(kTrain + " --config " + (dir / "experiment.yaml").string() + " " + extra, dir / "train.log");
  }

  TempDirectory dir;
};

TEST_F(SyntheticRun, TrainWritesACompleteRunDirectory) {
  // Without a test split every file is read for training or validation, the two bad ones included.
  ASSERT_EQ(train("--set data.test_fraction=0"), 0) << read_file(dir / "train.log");
  const auto run = dir / "run";
  for (const char* file : {"config.json", "classes.json", "metrics.jsonl", "best.pt", "last.pt", "summary.json",
                           "skipped.json", "report.html"}) {
    EXPECT_TRUE(std::filesystem::is_regular_file(run / file)) << file;
  }
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(run)) {
    ++files;
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << "leftover " << entry.path();
  }
  EXPECT_EQ(files, 9u) << "and .lock";

  EXPECT_EQ(read_json(run / "classes.json"), nlohmann::json({"blue", "red"}));
  const auto config = read_json(run / "config.json");
  EXPECT_EQ(config["data"]["root"], (dir / "data").string()) << "paths are recorded resolved";
  EXPECT_EQ(config["train"]["epochs"], 6);

  const auto metrics = read_json_lines(run / "metrics.jsonl");
  ASSERT_EQ(metrics.size(), 6u);
  for (const char* key :
       {"epoch", "lr", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds", "images_per_second"}) {
    EXPECT_TRUE(metrics[0].contains(key)) << key;
  }
  EXPECT_LT(metrics.back()["train_loss"].get<double>(), metrics.front()["train_loss"].get<double>());
  EXPECT_DOUBLE_EQ(metrics[3]["lr"].get<double>(), 0.025) << "step schedule halves the rate after 3 epochs";

  const auto skipped = read_json(run / "skipped.json");
  EXPECT_EQ(skipped.size(), 2u);
  const auto summary = read_json(run / "summary.json");
  EXPECT_EQ(summary["samples"]["train"].get<int>() + summary["samples"]["val"].get<int>() +
                summary["samples"]["test"].get<int>() + summary["skipped_files"].get<int>(),
            50);
  EXPECT_TRUE(std::filesystem::exists(dir / "data/red/zero_bytes.jpg"));
  EXPECT_TRUE(std::filesystem::exists(dir / "data/blue/not_an_image.jpg"));
  EXPECT_GE(summary["best"]["val_accuracy"].get<double>(), 0.9);
}

// What an attacker (or a careless copy) leaves in a data tree: none of it may hang, exhaust memory or
// stop the run; each file is skipped with its reason.
TEST_F(SyntheticRun, HostileFilesInTheTreeAreSkippedWithTheirReasons) {
  const auto blue = dir / "data/blue";
  ASSERT_EQ(::mkfifo((blue / "fifo.jpg").c_str(), 0600), 0);
  std::filesystem::create_symlink("/dev/zero", blue / "zero.jpg");
  std::filesystem::create_symlink(blue / "loop.jpg", blue / "loop.jpg");
  std::string bomb = tl::testing::encode(tl::testing::synthetic_picture(64, 64), "png");
  for (int i = 0; i < 8; ++i) bomb[16 + i] = "\x00\x00\x75\x30\x00\x00\x75\x30"[i];  // 30000 x 30000
  write_file(blue / "bomb.jpg", bomb);
  ASSERT_EQ(train("--set data.test_fraction=0"), 0) << read_file(dir / "train.log");
  std::map<std::string, std::string> reasons;
  for (const auto& file : read_json(dir / "run/skipped.json")) {
    reasons[std::filesystem::path(file["path"].get<std::string>()).filename().string()] = file["reason"];
  }
  EXPECT_EQ(reasons["fifo.jpg"], "not a regular file (a FIFO)");
  EXPECT_EQ(reasons["zero.jpg"], "not a regular file (a character device)");
  EXPECT_EQ(reasons["loop.jpg"], "cannot open file: Too many levels of symbolic links");
  EXPECT_NE(reasons["bomb.jpg"].find("image too large: its PNG header claims 30000x30000 pixels"), std::string::npos)
      << reasons["bomb.jpg"];
  EXPECT_EQ(reasons.size(), 6u) << "and the empty and the text file";

  for (const auto& [image, reason] : std::vector<std::pair<std::string, std::string>>{
           {"/dev/zero", "not a regular file (a character device)"},
           {(blue / "fifo.jpg").string(), "not a regular file (a FIFO)"},
           {blue.string(), "fifo.jpg: error: not a regular file (a FIFO)"}}) {
    EXPECT_EQ(run_command(kPredict + " --run " + (dir / "run").string() + " " + image, dir / "predict.log"), 1)
        << image;
    const std::string log = read_file(dir / "predict.log");
    EXPECT_NE(log.find(reason), std::string::npos) << log;
  }
}

// File names are bytes, often not UTF-8 (a Latin-1 folder from an old disk): they are recorded with
// their stray bytes escaped, and no tool stops on one.
TEST_F(SyntheticRun, NamesThatAreNotUtf8AreEscapedAndStopNothing) {
  std::filesystem::rename(dir / "data/red", dir /
                                                "data/r\xe9"
                                                "d");
  const auto odd_image = dir / "data/blue/photo\xff.jpg";
  std::filesystem::rename(dir / "data/blue/0.jpg", odd_image);
  write_file(dir / "data/blue/broken\xfe.jpg", "not an image");
  ASSERT_EQ(train("--set data.test_fraction=0.25"), 0) << read_file(dir / "train.log");
  EXPECT_EQ(read_json(dir / "run/classes.json"), nlohmann::json({"blue", "r\\xe9d"}));
  bool broken_listed = false;
  for (const auto& file : read_json(dir / "run/skipped.json"))
    broken_listed |= file["path"] == (dir / "data/blue/broken\\xfe.jpg").string();
  EXPECT_TRUE(broken_listed) << read_file(dir / "run/skipped.json");

  const auto run = (dir / "run").string();
  ASSERT_EQ(run_command(kEval + " --run " + run + " --split test", dir / "eval.log"), 0) << read_file(dir / "eval.log");
  EXPECT_EQ(read_json(dir / "run/eval_test.json")["confusion_matrix"]["classes"][1], "r\\xe9d");
  ASSERT_EQ(
      run_command(kPredict + " --run " + run + " --json " + odd_image.string(), dir / "predict.json", dir / "log"), 0)
      << read_file(dir / "log");
  const auto prediction = read_json(dir / "predict.json");
  EXPECT_EQ(prediction[0]["image"], (dir / "data/blue/photo\\xff.jpg").string());
  EXPECT_EQ(prediction[0]["predictions"][0]["class"], "blue");

  // A path a run records and reads back must stay exact: refused, not altered.
  const auto odd_folder = dir / "caf\xe9";
  std::filesystem::create_directories(odd_folder);
  std::filesystem::copy_file(dir / "experiment.yaml", odd_folder / "experiment.yaml");
  EXPECT_EQ(run_command(kTrain + " --config " + (odd_folder / "experiment.yaml").string() + " --set data.root=" +
                            (dir / "data").string() + " --set model.backbone=" + (dir / "tiny.pt").string(),
                        dir / "odd.log"),
            1);
  const std::string log = read_file(dir / "odd.log");
  EXPECT_NE(log.find("resolves to " + (dir / "caf\\xe9/").string()), std::string::npos) << log;
  EXPECT_NE(log.find(", which is not UTF-8; rename the folder or move the config"), std::string::npos) << log;
  EXPECT_EQ(train("--overwrite --set data.root=" + (dir / "data/r\xe9"
                                                          "d")
                                                       .string()),
            1);
  EXPECT_NE(read_file(dir / "train.log").find("--set data.root: byte "), std::string::npos)
      << read_file(dir / "train.log");
}

// What a CPU user sees: no CUDA notice on every run; without validation images, said once, and no
// "val loss 0.0000 acc 0.000" column every epoch.
TEST_F(SyntheticRun, TheTerminalShowsOnlyWhatMeansSomething) {
  ASSERT_EQ(train("--set data.val_fraction=0 --set train.epochs=3"), 0) << read_file(dir / "train.log");
  const std::string log = read_file(dir / "train.log");
  EXPECT_EQ(log.find("no CUDA device"), std::string::npos) << log;
  size_t notices = 0;
  for (size_t at = log.find("no validation images"); at != std::string::npos;
       at = log.find("no validation images", at + 1))
    ++notices;
  EXPECT_EQ(notices, 1u) << log;
  EXPECT_EQ(log.find("val loss"), std::string::npos) << log;
  EXPECT_NE(log.find("epoch 3/3 (head): loss "), std::string::npos) << log;
}

TEST_F(SyntheticRun, APreviousRunIsKeptUnlessOverwriteIsGiven) {
  ASSERT_EQ(train(), 0) << read_file(dir / "train.log");
  const std::string first_best = read_file(dir / "run/best.pt");
  write_file(dir / "run/notes.txt", "the user's own file");
  EXPECT_EQ(train("--set train.epochs=2"), 1);
  EXPECT_NE(read_file(dir / "train.log").find("already holds a run"), std::string::npos);
  EXPECT_EQ(read_file(dir / "run/best.pt"), first_best);
  EXPECT_EQ(read_json_lines(dir / "run/metrics.jsonl").size(), 6u);

  ASSERT_EQ(train("--set train.epochs=2 --overwrite"), 0) << read_file(dir / "train.log");
  EXPECT_EQ(read_json_lines(dir / "run/metrics.jsonl").size(), 2u);
  EXPECT_EQ(read_file(dir / "run/notes.txt"), "the user's own file") << "only the run's own files are replaced";
}

TEST_F(SyntheticRun, AnUnusableCacheDirectoryOnlyCostsSpeed) {
  ASSERT_EQ(train("--set cache_dir=/proc/tl-cannot-be-created"), 0) << read_file(dir / "train.log");
  EXPECT_NE(read_file(dir / "train.log").find("running without the feature cache"), std::string::npos);
  EXPECT_EQ(read_json(dir / "run/summary.json")["feature_extraction"]["from_cache"], 0);
}

TEST_F(SyntheticRun, TheSameSeedGivesTheSameRun) {
  ASSERT_EQ(train(), 0) << read_file(dir / "train.log");
  ASSERT_EQ(train("--set output.dir=" + (dir / "again").string()), 0) << read_file(dir / "train.log");
  EXPECT_GT(read_json(dir / "again/summary.json")["feature_extraction"]["from_cache"], 0)
      << "the second run's features come from the cache";
  const auto first = read_json_lines(dir / "run/metrics.jsonl");
  const auto second = read_json_lines(dir / "again/metrics.jsonl");
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) {
    for (const char* key : {"lr", "train_loss", "train_accuracy", "val_loss", "val_accuracy"}) {
      EXPECT_EQ(first[i][key], second[i][key]) << "epoch " << i + 1 << " " << key;
    }
  }
}

TEST_F(SyntheticRun, EachEpochIsOneLineAndTheEndSaysWhatToDoNext) {
  ASSERT_EQ(train(), 0) << read_file(dir / "train.log");
  const std::string log = read_file(dir / "train.log");
  for (int epoch = 1; epoch <= 6; ++epoch) {
    const std::string prefix = "epoch " + std::to_string(epoch) + "/6 (head): loss ";
    const size_t at = log.find(prefix);
    ASSERT_NE(at, std::string::npos) << prefix << "\n" << log;
    const std::string line = log.substr(at, log.find('\n', at) - at);
    for (const char* column : {" acc ", "| val loss ", "| lr ", "s"})
      EXPECT_NE(line.find(column), std::string::npos) << line;
  }
  EXPECT_NE(log.find("best epoch "), std::string::npos) << log;
  EXPECT_NE(log.find("next: tl-eval --run " + (dir / "run").string() + " --split test"), std::string::npos) << log;
  EXPECT_EQ(log.find('\r'), std::string::npos) << "no progress bar in a log";

  ASSERT_EQ(train("--overwrite -q"), 0) << read_file(dir / "train.log");
  const std::string quiet = read_file(dir / "train.log");
  EXPECT_EQ(quiet.find("epoch 1/6"), std::string::npos) << quiet;
  EXPECT_EQ(quiet.find("next:"), std::string::npos) << quiet;
}

// On a 70-column terminal (a pseudo-terminal from script(1)) every redraw of a bar fits on its row:
// a longer one wraps, and \r then redraws only its last row, leaving fragments behind.
TEST_F(SyntheticRun, ProgressBarsFitANarrowTerminal) {
  const std::string command = "stty cols 70; NO_COLOR=1 " + kTrain + " --config " + (dir / "experiment.yaml").string();
  ASSERT_EQ(run_command("script -qec " + single_quoted(command) + " /dev/null", dir / "tty.log"), 0)
      << read_file(dir / "tty.log");
  const std::string output = read_file(dir / "tty.log");
  EXPECT_NE(output.find("\r\033[K"), std::string::npos) << "a bar was drawn";
  EXPECT_EQ(output.find("\033[3"), std::string::npos) << "NO_COLOR: no colours";
  std::string row;
  std::istringstream rows(output);
  size_t bars = 0;
  while (std::getline(rows, row)) {
    std::istringstream redraws(row);
    for (std::string redraw; std::getline(redraws, redraw, '\r');) {
      // A bar is drawn after an erase; a log line after an erase begins with its "[HH:MM:SS]".
      if (redraw.rfind("\033[K", 0) != 0 || redraw.size() == 3 || redraw[3] == '[') continue;
      ++bars;
      EXPECT_LT(redraw.size() - 3, 70u) << redraw;
    }
  }
  EXPECT_GT(bars, 0u);
  EXPECT_NE(output.find("next: tl-eval"), std::string::npos) << output;
}

// The flags every tool shares: -o/--out, --device, --threads, -q; - is standard output.
TEST_F(SyntheticRun, CommonFlagsWorkAlikeOnEveryTool) {
  ASSERT_EQ(train("--out-dir " + (dir / "elsewhere").string() + " --device cpu --threads 1"), 0)
      << read_file(dir / "train.log");
  const auto config = read_json(dir / "elsewhere/config.json");
  EXPECT_EQ(config["device"], "cpu");
  EXPECT_EQ(config["threads"], 1);
  EXPECT_EQ(read_json(dir / "elsewhere/summary.json")["cpu_threads"], 1);
  EXPECT_FALSE(std::filesystem::exists(dir / "run"));

  ASSERT_EQ(run_command(kEval + " --run " + (dir / "elsewhere").string() + " -o - --threads 1", dir / "eval.json",
                        dir / "eval.log"),
            0)
      << read_file(dir / "eval.log");
  EXPECT_EQ(read_json(dir / "eval.json")["split"], "test") << "standard output is the JSON alone";
  EXPECT_NE(read_file(dir / "eval.log").find("top-1"), std::string::npos) << "the table went to stderr";
  EXPECT_FALSE(std::filesystem::exists(dir / "elsewhere/eval_test.json"));

  EXPECT_EQ(train("--threads -1"), 2);
  EXPECT_EQ(train("--device tpu"), 1);
  EXPECT_NE(read_file(dir / "train.log").find("--device tpu: device: expected one of"), std::string::npos)
      << read_file(dir / "train.log");
}

// tl-info tells before training what tl-train then finds: the backbone's size and blocks, the
// dataset's split per class and the files a run skips, and the run's state.
TEST_F(SyntheticRun, InfoDescribesTheBackboneTheDataAndTheRunAsTrainingFindsThem) {
  ASSERT_EQ(run_command(kInfo + " backbone " + (dir / "tiny.pt").string() + " --json", dir / "backbone.json",
                        dir / "info.log"),
            0)
      << read_file(dir / "info.log");
  const auto backbone = read_json(dir / "backbone.json");
  EXPECT_GT(backbone["parameters"].get<int64_t>(), 0);
  EXPECT_FALSE(backbone["blocks"].empty());

  ASSERT_EQ(run_command(kInfo + " data --config " + (dir / "experiment.yaml").string() + " --check-images --json",
                        dir / "data.json", dir / "info.log"),
            0)
      << read_file(dir / "info.log");
  const auto data = read_json(dir / "data.json");
  std::set<std::string> undecodable;
  for (const auto& file : data["undecodable"]) {
    undecodable.insert(std::filesystem::path(file["path"].get<std::string>()).filename().string());
  }
  EXPECT_EQ(undecodable, (std::set<std::string>{"zero_bytes.jpg", "not_an_image.jpg"}));

  std::filesystem::create_directory(dir / "run");
  ASSERT_EQ(run_command(kInfo + " run " + (dir / "run").string(), dir / "run.txt", dir / "info.log"), 1)
      << "no run yet";
  EXPECT_NE(read_file(dir / "info.log").find("not a tl run directory"), std::string::npos);
  ASSERT_EQ(train(), 0) << read_file(dir / "train.log");
  const auto summary = read_json(dir / "run/summary.json");
  EXPECT_EQ(backbone["feature_dim"], summary["backbone"]["feature_dim"]);
  EXPECT_EQ(backbone["sha256"], summary["backbone"]["sha256"]);
  for (const std::string split : {"train", "val", "test"}) {
    size_t images = 0;
    for (size_t c = 0; c < data["classes"].size(); ++c) {
      EXPECT_EQ(data["classes"][c]["name"], summary["classes"][c]);
      EXPECT_EQ(data["classes"][c][split], summary["class_counts"][split][c]) << split;
      images += data["classes"][c][split].get<size_t>();
    }
    EXPECT_EQ(data["images"][split], images) << split;
  }
  ASSERT_EQ(run_command(kInfo + " run " + (dir / "run").string(), dir / "run.txt", dir / "info.log"), 0)
      << read_file(dir / "info.log");
  const std::string text = read_file(dir / "run.txt");
  EXPECT_NE(text.find("best    epoch " + std::to_string(summary["best_epoch"].get<int>())), std::string::npos) << text;
  EXPECT_NE(text.find("next    tl-eval --run"), std::string::npos) << text;
  EXPECT_EQ(run_command(kInfo + " data", dir / "run.txt", dir / "info.log"), 2);
}

TEST(Help, ShowsEveryDefault) {
  TempDirectory dir;
  ASSERT_EQ(run_command(kEval + " --help", dir / "help"), 0);
  const std::string help = read_file(dir / "help");
  for (const char* shown :
       {"--split TEXT:{train,val,test}=test", "--device TEXT=auto", "=image_folder", "-q,--quiet", "-o,--out"}) {
    EXPECT_NE(help.find(shown), std::string::npos) << shown << "\n" << help;
  }
  ASSERT_EQ(run_command(kTrain + " --help", dir / "help"), 0);
  for (const char* shown : {"--threads", "--device", "-o,--out-dir", "-q,--quiet"}) {
    EXPECT_NE(read_file(dir / "help").find(shown), std::string::npos) << shown;
  }
}

TEST_F(SyntheticRun, EvalAndPredictUseTheRun) {
  ASSERT_EQ(train(), 0) << read_file(dir / "train.log");
  const auto run = (dir / "run").string();
  ASSERT_EQ(
      run_command(kEval + " --run " + run + " --split test --out " + (dir / "eval.json").string(), dir / "eval.log"), 0)
      << read_file(dir / "eval.log");
  const auto report = read_json(dir / "eval.json");
  EXPECT_EQ(report["samples"].get<int>() + report["skipped_files"].get<int>(), 12);
  EXPECT_GE(report["top1"].get<double>(), 0.9);
  EXPECT_EQ(report["k"], 2);
  EXPECT_EQ(report["confusion_matrix"]["classes"], nlohmann::json({"blue", "red"}));
  EXPECT_NE(read_file(dir / "eval.log").find("top-1"), std::string::npos) << "a readable table is printed";

  const auto image = (dir / "data/red/0.jpg").string();
  ASSERT_EQ(run_command(kPredict + " --run " + run + " --json -k 1 " + image, dir / "predict.json", dir / "log"), 0)
      << read_file(dir / "log");
  const auto prediction = nlohmann::json::parse(read_file(dir / "predict.json"));
  EXPECT_EQ(prediction[0]["predictions"].size(), 1u);
  EXPECT_EQ(prediction[0]["predictions"][0]["class"], "red");
  EXPECT_GT(prediction[0]["predictions"][0]["probability"].get<double>(), 0.5);

  EXPECT_EQ(run_command(kPredict + " --checkpoint " + run + "/last.pt " + image, dir / "predict.txt"), 0);
  EXPECT_NE(read_file(dir / "predict.txt").find("red"), std::string::npos);
  EXPECT_EQ(run_command(kPredict + " --run " + run + " " + (dir / "data/red/zero_bytes.jpg").string(), dir / "bad.txt"),
            1);
  EXPECT_NE(read_file(dir / "bad.txt").find("empty file"), std::string::npos);
}

// What the backbone sees and where the run looks, as PNGs a user opens: tl-explain's feature maps
// and heat map, and tl-predict --explain's figure per image.
TEST_F(SyntheticRun, ExplainDrawsFeatureMapsAndHeatMapsAndPredictExplainsEachImage) {
  ASSERT_EQ(train(), 0) << read_file(dir / "train.log");
  const auto run = (dir / "run").string();
  const auto photo = (dir / "data/red/0.jpg").string();
  ASSERT_EQ(run_command(kExplain + " features --backbone " + (dir / "tiny.pt").string() + " --list-blocks",
                        dir / "blocks.txt", dir / "explain.log"),
            0)
      << read_file(dir / "explain.log");
  EXPECT_EQ(read_file(dir / "blocks.txt"), "conv [8 x 16 x 16]\nbn [8 x 16 x 16]\nrelu [8 x 16 x 16]\n");
  ASSERT_EQ(run_command(kExplain + " features --run " + run + " " + photo + " --block relu -n 4 -o " +
                            (dir / "maps.png").string(),
                        dir / "explain.log"),
            0)
      << read_file(dir / "explain.log");
  const cv::Mat maps = cv::imread((dir / "maps.png").string());
  ASSERT_FALSE(maps.empty());
  EXPECT_GT(maps.cols, maps.rows) << "the photo, then the tiles beside it";

  ASSERT_EQ(
      run_command(kExplain + " heat-map --run " + run + " " + photo + " --class blue -o " + (dir / "heat.png").string(),
                  dir / "heat.log"),
      0)
      << read_file(dir / "heat.log");
  EXPECT_NE(read_file(dir / "heat.log").find("where the run sees blue"), std::string::npos)
      << read_file(dir / "heat.log");
  EXPECT_EQ(cv::imread((dir / "heat.png").string()).cols, 2 * 32 + 4);
  EXPECT_EQ(run_command(kExplain + " heat-map --run " + run + " " + photo + " --class purple -o " +
                            (dir / "purple.png").string(),
                        dir / "purple.log"),
            1);
  EXPECT_NE(read_file(dir / "purple.log").find("class \"purple\": not one of the 2 classes"), std::string::npos)
      << read_file(dir / "purple.log");
  EXPECT_FALSE(std::filesystem::exists(dir / "purple.png"));

  // Two photos named 0.jpg and one that cannot be decoded: a figure for each photo, none for it.
  ASSERT_EQ(run_command(kPredict + " --run " + run + " --explain " + (dir / "why").string() + " " + photo + " " +
                            (dir / "data/blue/0.jpg").string() + " " + (dir / "data/red/zero_bytes.jpg").string(),
                        dir / "predict.txt", dir / "predict.log"),
            1)
      << read_file(dir / "predict.log");
  std::vector<std::string> figures;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "why")) {
    figures.push_back(entry.path().filename().string());
    EXPECT_FALSE(cv::imread(entry.path().string()).empty()) << entry.path();
  }
  std::sort(figures.begin(), figures.end());
  EXPECT_EQ(figures, (std::vector<std::string>{"0.png", "0_2.png"}));
}

// Every evaluated photo's prediction is on record, and the figures say how far its probabilities can
// be trusted; both agree with the evaluation's JSON.
TEST_F(SyntheticRun, EvalRecordsEveryPredictionAndTheCalibration) {
  ASSERT_EQ(train(), 0) << read_file(dir / "train.log");
  const auto run = (dir / "run").string();
  ASSERT_EQ(run_command(kEval + " --run " + run + " --split test", dir / "eval.log"), 0) << read_file(dir / "eval.log");
  EXPECT_NE(read_file(dir / "eval.log").find("predictions written to " + run + "/predictions_test.csv"),
            std::string::npos)
      << read_file(dir / "eval.log");
  EXPECT_NE(read_file(dir / "eval.log").find("calibration error"), std::string::npos) << read_file(dir / "eval.log");
  const auto report = read_json(dir / "run/eval_test.json");
  std::istringstream csv(read_file(dir / "run/predictions_test.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "path,true_class,predicted_class,probability,true_probability,loss,correct,class_2,probability_2")
      << "the top k=2 classes";
  int rows = 0, correct = 0;
  double loss_sum = 0;
  std::string previous_path;
  while (std::getline(csv, line)) {
    std::vector<std::string> cells;
    std::istringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    ASSERT_EQ(cells.size(), 9u) << line;
    EXPECT_NE(cells[7], cells[2]) << "the second class is the other one";
    EXPECT_TRUE(std::filesystem::exists(cells[0])) << cells[0];
    EXPECT_LT(previous_path, cells[0]) << "one row per photo, in path order";
    previous_path = cells[0];
    EXPECT_EQ(std::filesystem::path(cells[0]).parent_path().filename().string(), cells[1]) << "the true class";
    EXPECT_EQ(cells[6], cells[1] == cells[2] ? "1" : "0");
    correct += cells[6] == "1" ? 1 : 0;
    loss_sum += std::stod(cells[5]);
    ++rows;
  }
  ASSERT_EQ(rows, report["samples"].get<int>());
  EXPECT_NEAR(static_cast<double>(correct) / rows, report["top1"].get<double>(), 1e-9);
  const auto& calibration = report["calibration"];
  EXPECT_NEAR(calibration["log_loss"].get<double>(), loss_sum / rows, 1e-4) << "the CSV's losses average to it";
  ASSERT_EQ(calibration["reliability_bins"].size(), 15u);
  int binned = 0;
  for (const auto& bin : calibration["reliability_bins"]) binned += bin["samples"].get<int>();
  EXPECT_EQ(binned, rows);
  ASSERT_FALSE(report["highest_losses"].empty());
  for (const auto& sample : report["highest_losses"]) {
    for (const char* which : {"predicted", "true"}) {
      const auto& map = sample["heat_maps"][which];
      EXPECT_EQ(map["rows"], 16) << "the tiny backbone's grid for 32-pixel inputs";
      EXPECT_EQ(map["values"].size(), 256u);
      EXPECT_GT(map["region"][2].get<double>(), 0.5) << "the centre crop's width, a fraction of the photo";
    }
  }
  const std::string page = read_file(dir / "run/report.html");
  EXPECT_NE(page.find("class=\"heat\""), std::string::npos) << "heat maps beside the highest-loss photos";
  EXPECT_NE(page.find("href=\"predictions_test.csv\""), std::string::npos);
  EXPECT_NE(page.find("Reliability"), std::string::npos);
  expect_files_fit_their_schemas(dir / "run");

  // Elsewhere: beside the report, or on standard output with the table on stderr.
  ASSERT_EQ(run_command(kEval + " --run " + run + " -o " + (dir / "mine.json").string(), dir / "mine.log"), 0);
  EXPECT_TRUE(std::filesystem::exists(dir / "mine.predictions.csv"));
  ASSERT_EQ(run_command(kEval + " --run " + run + " --predictions -", dir / "stdout.csv", dir / "stderr.log"), 0);
  EXPECT_EQ(read_file(dir / "stdout.csv"), read_file(dir / "run/predictions_test.csv"));
  EXPECT_NE(read_file(dir / "stderr.log").find("top-1"), std::string::npos);
  EXPECT_EQ(run_command(kEval + " --run " + run + " -o - --predictions -", dir / "both.out", dir / "both.log"), 1);
  EXPECT_NE(read_file(dir / "both.log").find("only one of the report and the predictions"), std::string::npos);
}

// A head trained long on labels that are partly wrong is over-confident; the temperature fitted on
// the validation split when training ends spreads its probabilities out without changing one
// prediction, and every tool then sees the scaled head.
TEST_F(SyntheticRun, TrainScalesAnOverConfidentHeadsTemperature) {
  tl::testing::make_image_folder(dir / "data", {"blue", "red"}, 60, 40);
  for (int i = 0; i < 12; ++i) {  // a fifth of each class carries the other's label
    std::filesystem::rename(dir / ("data/blue/" + std::to_string(i) + ".jpg"),
                            dir / ("data/red/swapped_" + std::to_string(i) + ".jpg"));
    std::filesystem::rename(dir / ("data/red/" + std::to_string(i) + ".jpg"),
                            dir / ("data/blue/swapped_" + std::to_string(i) + ".jpg"));
  }
  const std::string long_training = "--set train.epochs=40 --set train.schedule.gamma=1 --set train.optimizer.lr=2";
  ASSERT_EQ(train(long_training), 0) << read_file(dir / "train.log");
  EXPECT_NE(read_file(dir / "train.log").find("probabilities calibrated on"), std::string::npos);
  ASSERT_EQ(train(long_training + " --set eval.calibration=none --set output.dir=" + (dir / "plain").string()), 0)
      << read_file(dir / "train.log");
  const auto summary = read_json(dir / "run/summary.json");
  const auto& calibration = summary["calibration"];
  ASSERT_TRUE(calibration.is_object()) << summary.dump(2);
  EXPECT_GT(calibration["temperature"].get<double>(), 1.0) << "over-confident: " << calibration.dump();
  EXPECT_LT(calibration["val"]["log_loss_after"].get<double>(), calibration["val"]["log_loss_before"].get<double>());
  EXPECT_LT(calibration["val"]["ece_after"].get<double>(), calibration["val"]["ece_before"].get<double>())
      << calibration.dump();
  EXPECT_TRUE(read_json(dir / "plain/summary.json")["calibration"].is_null());

  // tl-eval of best.pt measures on the validation split what the fit measured after (and the plain
  // run what it measured before), and on the test split the same predictions.
  const auto evaluate = [&](const std::string& run, const std::string& split) {
    const auto out = dir / (run + "_" + split + ".json");
    EXPECT_EQ(run_command(kEval + " --run " + (dir / run).string() + " --split " + split + " -o " + out.string(),
                          dir / "eval.log"),
              0)
        << read_file(dir / "eval.log");
    return read_json(out);
  };
  EXPECT_NEAR(evaluate("run", "val")["calibration"]["expected_calibration_error"].get<double>(),
              calibration["val"]["ece_after"].get<double>(), 1e-5);
  EXPECT_NEAR(evaluate("plain", "val")["calibration"]["log_loss"].get<double>(),
              calibration["val"]["log_loss_before"].get<double>(), 1e-5);
  const auto scaled = evaluate("run", "test"), plain = evaluate("plain", "test");
  EXPECT_EQ(scaled["top1"], plain["top1"]);
  EXPECT_EQ(scaled["confusion_matrix"], plain["confusion_matrix"]) << "not one prediction changed";
  expect_files_fit_their_schemas(dir / "run");
}

// A folder of photos, a list file and single files in one command, written as CSV or JSON; every
// probability is the one tl-eval gives the same photo.
TEST_F(SyntheticRun, PredictLabelsFoldersAndListsAsEvaluationScoresThem) {
  ASSERT_EQ(train(), 0) << read_file(dir / "train.log");
  const auto run = (dir / "run").string();
  ASSERT_EQ(run_command(kEval + " --run " + run + " --split train", dir / "eval.log"), 0)
      << read_file(dir / "eval.log");
  std::map<std::string, std::pair<std::string, std::string>> evaluated;  // path -> (class, probability)
  std::istringstream rows(read_file(dir / "run/predictions_train.csv"));
  std::string line;
  std::getline(rows, line);
  while (std::getline(rows, line)) {
    std::vector<std::string> cells;
    std::istringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    evaluated[cells[0]] = {cells[2], cells[3]};
  }
  ASSERT_FALSE(evaluated.empty());

  write_file(dir / "list.txt", "# the red ones\ndata/red/0.jpg\ndata/red/1.jpg\n");
  const int code = run_command(kPredict + " --run " + run + " --csv -k 2 -o " + (dir / "out.csv").string() + " " +
                                   (dir / "data/blue").string() + " @" + (dir / "list.txt").string() + " " +
                                   (dir / "data/red/zero_bytes.jpg").string(),
                               dir / "predict.log");
  EXPECT_EQ(code, 1) << "a file could not be read\n" << read_file(dir / "predict.log");
  std::istringstream csv(read_file(dir / "out.csv"));
  std::getline(csv, line);
  EXPECT_EQ(line, "path,error,predicted_class,probability,unsure,class_2,probability_2");
  size_t images = 0, compared = 0, errors = 0;
  while (std::getline(csv, line)) {
    std::vector<std::string> cells;
    std::istringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    ++images;
    if (!cells[1].empty()) {
      ++errors;
      EXPECT_TRUE(cells[0].find("zero_bytes.jpg") != std::string::npos ||
                  cells[0].find("not_an_image.jpg") != std::string::npos)
          << line;
      continue;
    }
    const auto found = evaluated.find(std::filesystem::path(cells[0]).lexically_normal().string());
    if (found == evaluated.end()) continue;  // a validation or test photo
    ++compared;
    EXPECT_EQ(cells[2], found->second.first) << line;
    EXPECT_NEAR(std::stod(cells[3]), std::stod(found->second.second), 1e-5) << line;
  }
  EXPECT_EQ(images, 25u + 2 + 1) << "the blue folder (one of its .jpg is text), two listed, one named";
  EXPECT_EQ(errors, 2u) << "not_an_image.jpg in the folder and zero_bytes.jpg";
  EXPECT_GT(compared, 10u);

  // The least sure photo, with a threshold above and below its probability.
  const auto least_sure = std::min_element(evaluated.begin(), evaluated.end(), [](const auto& a, const auto& b) {
    return std::stod(a.second.second) < std::stod(b.second.second);
  });
  const double probability = std::stod(least_sure->second.second);
  ASSERT_LT(probability, 1.0);
  for (const double threshold : {probability / 2, (probability + 1) / 2}) {
    ASSERT_EQ(run_command(kPredict + " --run " + run + " --json --min-probability " + std::to_string(threshold) + " " +
                              least_sure->first,
                          dir / "out.json", dir / "predict.log"),
              0);
    const auto json = read_json(dir / "out.json");
    ASSERT_EQ(json.size(), 1u);
    EXPECT_EQ(json[0]["unsure"], threshold > probability) << threshold << " against " << probability;
  }
}

// Output that never reached its reader (here a full disk) once exited 0 from tl-predict, tl-info,
// tl-sweep --list and --version alike; and tl-attack -o /dev/full made /dev/full_source.png.
TEST_F(SyntheticRun, AStandardOutputThatCannotBeWrittenIsAnError) {
  ASSERT_EQ(train(), 0) << read_file(dir / "train.log");
  const auto run = (dir / "run").string();
  const auto image = (dir / "data/red/0.jpg").string();
  for (const std::string& command :
       {kPredict + " --run " + run + " " + image, kPredict + " --run " + run + " --json " + image,
        kInfo + " run " + run, kSweep + " --version", kEval + " --version", kTrain + " --help"}) {
    EXPECT_EQ(run_command(command, "/dev/full", dir / "full.log"), 1) << command;
    EXPECT_NE(read_file(dir / "full.log").find("error: cannot write standard output"), std::string::npos)
        << command << ": " << read_file(dir / "full.log");
  }
  EXPECT_EQ(
      run_command(kAttack + " --run " + run + " " + image + " --target blue -o /dev/full", {}, dir / "attack.log"), 2)
      << read_file(dir / "attack.log");
  EXPECT_NE(read_file(dir / "attack.log").find("/dev/full is not a regular file"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists("/dev/full_source.png"));
}

TEST_F(SyntheticRun, EvalMapsAnotherDatasetByClassName) {
  ASSERT_EQ(train(), 0) << read_file(dir / "train.log");
  const auto run = (dir / "run").string();
  // Only one of the run's classes, spelt in another case.
  tl::testing::make_image_folder(dir / "other", {"RED"}, 6, 40);
  std::filesystem::rename(dir / "other/RED", dir / "other/Red");
  ASSERT_EQ(run_command(kEval + " --run " + run + " --data-root " + (dir / "other").string() +
                            " --layout image_folder --out " + (dir / "other.json").string(),
                        dir / "other.log"),
            0)
      << read_file(dir / "other.log");
  const auto report = read_json(dir / "other.json");
  EXPECT_EQ(report["samples"], 6);
  EXPECT_EQ(report["per_class"][1]["support"], 6);
  EXPECT_EQ(report["per_class"][0]["support"], 0);

  // Without --out the run's own eval_test.json is kept; the other dataset's report is named by it.
  ASSERT_EQ(run_command(kEval + " --run " + run + " --split test", dir / "own.log"), 0) << read_file(dir / "own.log");
  const std::string own = read_file(dir / "run/eval_test.json");
  ASSERT_EQ(
      run_command(kEval + " --run " + run + " --data-root " + (dir / "other").string() + "/ --layout image_folder",
                  dir / "other.log"),
      0)
      << read_file(dir / "other.log");
  EXPECT_EQ(read_file(dir / "run/eval_test.json"), own);
  EXPECT_EQ(read_json(dir / "run/eval_test_on_other.json")["samples"], 6);
  EXPECT_NE(read_file(dir / "other.log").find("report written to " + run + "/eval_test_on_other.json"),
            std::string::npos)
      << read_file(dir / "other.log");
  EXPECT_EQ(read_file(dir / "other.log").find("top-2"), std::string::npos) << "top-2 of two classes says nothing";
  expect_files_fit_their_schemas(dir / "run");

  std::filesystem::create_directories(dir / "other/green");
  std::filesystem::copy_file(dir / "other/Red/0.jpg", dir / "other/green/0.jpg");
  EXPECT_EQ(run_command(kEval + " --run " + run + " --data-root " + (dir / "other").string() + " --layout image_folder",
                        dir / "unknown.log"),
            1);
  EXPECT_NE(
      read_file(dir / "unknown.log").find("class \"green\" of the evaluated data is not one of the run's classes"),
      std::string::npos);
}

TEST_F(SyntheticRun, ErrorsAreOneClearLineAndAnExitCode) {
  EXPECT_EQ(train("--set data.layout=imagefolder"), 1);
  EXPECT_NE(read_file(dir / "train.log")
                .find("tl-train: error: --set data.layout=imagefolder: data.layout: expected one of "
                      "petimages|oxford_pets|image_folder|list|shards, got \"imagefolder\""),
            std::string::npos)
      << "the --set is named, not the file that was fine: " << read_file(dir / "train.log");
  EXPECT_FALSE(std::filesystem::exists(dir / "run")) << "a config error creates no run directory";

  std::filesystem::remove(dir / "tiny.json");
  EXPECT_EQ(train(), 1);
  EXPECT_NE(read_file(dir / "train.log").find("tiny.pt: no metadata for this backbone"), std::string::npos)
      << read_file(dir / "train.log");

  EXPECT_EQ(run_command(kTrain, dir / "usage.log"), 2) << "a missing --config is a usage error";
  EXPECT_EQ(run_command(kEval + " --run " + dir.path().string(), dir / "notrun.log"), 1);
  EXPECT_NE(read_file(dir / "notrun.log").find("not a tl run directory (missing config.json)"), std::string::npos);
}

// Every tool says which tl it is; a run records it with the command that started it.
TEST_F(SyntheticRun, VersionOnEveryToolAndInTheSummary) {
  for (const auto& tool : {kTrain, kEval, kPredict, kExport, kSweep, kDream, kAttack}) {
    ASSERT_EQ(run_command(tool + " --version", dir / "version.txt"), 0) << tool;
    const std::string text = read_file(dir / "version.txt");
    EXPECT_NE(text.find(" 0.1.0 (commit "), std::string::npos) << tool << ": " << text;
    EXPECT_NE(text.find("LibTorch"), std::string::npos) << tool << ": " << text;
  }
  ASSERT_EQ(run_command(kTrain + " --version", dir / "version.txt"), 0);
  EXPECT_NE(read_file(dir / "version.txt").find("OpenCV 4."), std::string::npos);
  EXPECT_NE(read_file(dir / "version.txt").find("CUDA: "), std::string::npos);

  ASSERT_EQ(train("--set train.epochs=1 --set 'name=with space'"), 1) << "names are checked";
  ASSERT_EQ(train("--set train.epochs=1"), 0) << read_file(dir / "train.log");
  const auto tl = read_json(dir / "run/summary.json")["tl"];
  EXPECT_EQ(tl["version"], "0.1.0");
  EXPECT_FALSE(tl["commit"].get<std::string>().empty());
  EXPECT_EQ(tl["command_line"], kTrain + " --config " + (dir / "experiment.yaml").string() + " --set train.epochs=1");
}

TEST_F(SyntheticRun, ABackboneWithoutJsonTrainsWithMetadataInTheConfig) {
  std::filesystem::remove(dir / "tiny.json");
  const std::string metadata =
      "{input_size: [32, 32], mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], color: RGB, feature_dim: 8}";
  ASSERT_EQ(train("--set 'model.metadata=" + metadata + "'"), 0) << read_file(dir / "train.log");
  EXPECT_EQ(read_json(dir / "run/config.json")["model"]["metadata"]["feature_dim"], 8);
  // tl-eval rebuilds the backbone from the run's config.json alone.
  ASSERT_EQ(run_command(kEval + " --run " + (dir / "run").string() + " --out " + (dir / "eval.json").string(),
                        dir / "eval.log"),
            0)
      << read_file(dir / "eval.log");
  EXPECT_GE(read_json(dir / "eval.json")["top1"].get<double>(), 0.9);
}

TEST_F(SyntheticRun, ExportedModuleRunsInPyTorchLikeTlPredict) {
  ASSERT_EQ(train("--set model.head.type=mlp --set model.head.hidden=[16,8]"), 0) << read_file(dir / "train.log");
  const auto module = dir / "exported/synthetic.pt";
  ASSERT_EQ(run_command(kExport + " --run " + (dir / "run").string() + " --out " + module.string() + " --softmax",
                        dir / "export.log"),
            0)
      << read_file(dir / "export.log");
  const auto metadata = read_json(dir / "exported/synthetic.json");
  EXPECT_EQ(metadata["classes"], nlohmann::json({"blue", "red"}));
  EXPECT_EQ(metadata["input_size"], nlohmann::json({32, 32}));
  EXPECT_EQ(metadata["source"]["head"]["hidden"], nlohmann::json({16, 8}));

  std::vector<std::filesystem::path> images;
  for (const char* name : {"blue/0.jpg", "blue/5.jpg", "red/1.jpg", "red/7.jpg"}) images.push_back(dir / "data" / name);
  expect_same_predictions(predict(dir / "run", images, dir.path()), run_exported_in_python(module, images, dir.path()),
                          {"blue", "red"}, 1e-3);

  EXPECT_EQ(run_command(kExport + " --run " + (dir / "run").string() + " --out " + (dir / "x.json").string(),
                        dir / "json.log"),
            1);
  EXPECT_NE(read_file(dir / "json.log").find("needs another extension"), std::string::npos);
  EXPECT_EQ(run_command(kExport + " --run " + (dir / "data").string() + " --out " + (dir / "x.pt").string(),
                        dir / "notrun.log"),
            1);
  EXPECT_NE(read_file(dir / "notrun.log").find("not a tl run directory"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "x.pt"));
}

// tl-shard writes the config's split as train-, val- and test- shard sets that Python's tarfile reads,
// each shard's sha256 in the manifest, the files that do not decode left out and listed; run again,
// it writes the same bytes.
TEST_F(SyntheticRun, ShardsHoldEverySplitsImagesAndAreTheSameWhenWrittenAgain) {
  const std::string shard = kShard + " --config " + (dir / "experiment.yaml").string() + " --shard-size 8K --out ";
  ASSERT_EQ(run_command(shard + (dir / "shards").string(), dir / "shard.txt", dir / "shard.log"), 0)
      << read_file(dir / "shard.log");
  EXPECT_NE(read_file(dir / "shard.txt").find("train: "), std::string::npos) << read_file(dir / "shard.txt");
  const auto manifest = read_json(dir / "shards/manifest.json");
  EXPECT_EQ(read_file(dir / "shards/classes.txt"), "blue\nred\n");
  EXPECT_EQ(manifest["classes"], nlohmann::json({"blue", "red"}));
  EXPECT_EQ(manifest["skipped"].size(), 2u) << "the empty file and the text file";
  int64_t samples = 0;
  for (const char* set : {"train", "val", "test"}) {
    ASSERT_TRUE(manifest["sets"].contains(set)) << set;
    EXPECT_GT(manifest["sets"][set].size(), 0u);
    for (const auto& entry : manifest["sets"][set]) samples += entry["samples"].get<int64_t>();
  }
  EXPECT_EQ(samples, 48) << "every image that decodes, once";
  EXPECT_GT(manifest["sets"]["train"].size(), 1u) << "8K shards";

  write_file(dir / "check.py", R"(import hashlib, json, pathlib, sys, tarfile
folder = pathlib.Path(sys.argv[1])
manifest = json.loads((folder / "manifest.json").read_text())
for shards in manifest["sets"].values():
    for shard in shards:
        path = folder / shard["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == shard["sha256"], path
        with tarfile.open(path) as archive:
            names = archive.getnames()
        keys = {name.split(".")[0] for name in names}
        assert len(keys) == shard["samples"] and len(names) == 2 * len(keys), (path, names)
print("ok")
)");
  EXPECT_EQ(run_command(tl::testing::python() + " " + (dir / "check.py").string() + " " + (dir / "shards").string(),
                        dir / "check.txt", dir / "check.log"),
            0)
      << read_file(dir / "check.log");

  ASSERT_EQ(run_command(shard + (dir / "again").string(), dir / "again.txt"), 0);
  EXPECT_EQ(read_json(dir / "again/manifest.json")["sets"], manifest["sets"]) << "the same files, byte for byte";
  ASSERT_EQ(run_command(shard + (dir / "indexed").string() + " --index", dir / "indexed.txt"), 0);
  EXPECT_EQ(read_json(dir / "indexed/manifest.json")["sets"], manifest["sets"]) << "an index changes no shard";
  EXPECT_EQ(read_file(dir / "indexed/train-000000.tar.idx").rfind("tl-tar-index 1 ", 0), 0u);
  EXPECT_EQ(run_command(kShard + " --out " + (dir / "x").string(), dir / "usage.txt"), 2) << "no data named";

  // layout shards reads them back (through their indexes): the same split (from the shards' names),
  // the same training and the same test score as the loose files, and records that name shard and
  // member.
  ASSERT_EQ(train(), 0) << read_file(dir / "train.log");
  ASSERT_EQ(train("--set data.layout=shards --set data.root=" + (dir / "indexed").string() +
                  " --set output.dir=" + (dir / "from_shards").string()),
            0)
      << read_file(dir / "train.log");
  const auto loose_metrics = read_file(dir / "run/metrics.jsonl");
  std::istringstream loose_lines(loose_metrics), shard_lines(read_file(dir / "from_shards/metrics.jsonl"));
  for (std::string a, b; std::getline(loose_lines, a) && std::getline(shard_lines, b);) {
    const auto loose_epoch = nlohmann::json::parse(a), shard_epoch = nlohmann::json::parse(b);
    EXPECT_EQ(loose_epoch["val_accuracy"], shard_epoch["val_accuracy"]);
    EXPECT_NEAR(loose_epoch["val_loss"].get<double>(), shard_epoch["val_loss"].get<double>(), 1e-5);
  }
  const auto loose_summary = read_json(dir / "run/summary.json"),
             shard_summary = read_json(dir / "from_shards/summary.json");
  EXPECT_EQ(loose_summary["samples"], shard_summary["samples"]) << "the rows the loose run could use, no more";
  EXPECT_EQ(read_json(dir / "from_shards/skipped.json"), nlohmann::json::array()) << "tl-shard left the bad files out";
  for (const char* run : {"run", "from_shards"}) {
    ASSERT_EQ(
        run_command(kEval + " --run " + (dir / run).string() + " --split test", dir / "eval.txt", dir / "eval.log"), 0)
        << read_file(dir / "eval.log");
  }
  EXPECT_EQ(read_json(dir / "run/eval_test.json")["top1"], read_json(dir / "from_shards/eval_test.json")["top1"]);
  EXPECT_EQ(read_json(dir / "run/eval_test.json")["confusion_matrix"],
            read_json(dir / "from_shards/eval_test.json")["confusion_matrix"]);
  EXPECT_NE(read_file(dir / "from_shards/predictions_test.csv").find("indexed/test-000000.tar/000000000."),
            std::string::npos);
}

// cache.max_bytes: a run that leaves the feature cache over its budget prunes it to nine tenths;
// tl-info cache shows it by namespace and prunes it by hand, and a pruned cache is simply refilled.
TEST_F(SyntheticRun, TheFeatureCacheKeepsToItsBudgetAndTlInfoShowsAndPrunesIt) {
  const std::string info = kInfo + " --json cache " + (dir / "cache").string();
  ASSERT_EQ(train(), 0) << read_file(dir / "train.log");
  ASSERT_EQ(run_command(info, dir / "info.json", dir / "info.log"), 0) << read_file(dir / "info.log");
  const auto whole = read_json(dir / "info.json");
  ASSERT_GT(whole["entries"].get<int64_t>(), 20);
  ASSERT_EQ(whole["namespaces"].size(), 1u);
  EXPECT_NE(whole["namespaces"][0]["description"].get<std::string>().find("size=32x32"), std::string::npos)
      << whole.dump(2);

  // Entries are 48 bytes (header and 8 features): a budget of 20 entries keeps at most 18.
  ASSERT_EQ(
      train("--overwrite --set 'cache={max_bytes: 960}' --set 'train.augmentation={horizontal_flip: true, views: 2}'"),
      0)
      << read_file(dir / "train.log");
  EXPECT_NE(read_file(dir / "train.log").find("over its budget"), std::string::npos) << read_file(dir / "train.log");
  ASSERT_EQ(run_command(info, dir / "info.json", dir / "info.log"), 0);
  const auto bounded = read_json(dir / "info.json");
  EXPECT_LE(bounded["bytes"].get<int64_t>(), 864);
  EXPECT_GT(bounded["bytes"].get<int64_t>(), 0);

  ASSERT_EQ(run_command(info + " --prune 0", dir / "info.json", dir / "info.log"), 0) << read_file(dir / "info.log");
  const auto emptied = read_json(dir / "info.json");
  EXPECT_EQ(emptied["entries"], 0);
  EXPECT_GT(emptied["pruned"]["removed_entries"].get<int64_t>(), 0);
  EXPECT_EQ(run_command(info + " --prune lots", dir / "info.json", dir / "bad.log"), 1);
  EXPECT_NE(read_file(dir / "bad.log").find("--prune lots: expected a size"), std::string::npos)
      << read_file(dir / "bad.log");
  ASSERT_EQ(train("--overwrite"), 0) << read_file(dir / "train.log");
  EXPECT_EQ(read_json(dir / "run/summary.json")["feature_extraction"]["from_cache"], 0) << "computed again";
}

// --format onnx (or a .onnx file): the graph OpenCV's DNN runs gives tl-predict's probabilities; the
// run's flips, which the graph cannot hold, are the caller's, as the JSON says. A Python that cannot
// convert is an error that names it, and nothing is written.
TEST_F(SyntheticRun, ExportedOnnxGraphRunsInOpenCvLikeTlPredict) {
  ASSERT_EQ(train("--set eval.tta=flip"), 0) << read_file(dir / "train.log");
  const auto graph = dir / "exported/synthetic.onnx";
  ASSERT_EQ(run_command(kExport + " --run " + (dir / "run").string() + " --out " + graph.string(), dir / "export.txt",
                        dir / "export.log"),
            0)
      << read_file(dir / "export.log");
  EXPECT_NE(read_file(dir / "export.txt").find("checked in OpenCV"), std::string::npos)
      << read_file(dir / "export.txt");
  const auto metadata = read_json(dir / "exported/synthetic.json");
  EXPECT_EQ(metadata["onnx"]["onnx_checker"], "passed");
  EXPECT_LE(metadata["onnx"]["max_difference"].get<double>(), metadata["onnx"]["tolerance"].get<double>());
  EXPECT_EQ(metadata["tta"], "none");
  EXPECT_EQ(metadata["tta_of_the_run"], "flip");

  std::vector<std::filesystem::path> images;
  for (const char* name : {"blue/0.jpg", "blue/5.jpg", "red/1.jpg", "red/7.jpg"}) images.push_back(dir / "data" / name);
  expect_same_predictions(predict(dir / "run", images, dir.path()), run_exported_in_python(graph, images, dir.path()),
                          {"blue", "red"}, 1e-3);

  EXPECT_EQ(run_command(kExport + " --run " + (dir / "run").string() + " --format onnx --python /nonexistent/python3" +
                            " --out " + (dir / "x.onnx").string(),
                        dir / "python.log"),
            1);
  EXPECT_NE(read_file(dir / "python.log").find("/nonexistent/python3: cannot start"), std::string::npos)
      << read_file(dir / "python.log");
  EXPECT_FALSE(std::filesystem::exists(dir / "x.onnx"));
  EXPECT_FALSE(std::filesystem::exists(dir / "x.json"));
}

TEST_F(SyntheticRun, SweepRecordsAFailedVariantAndGoesOn) {
  write_file(dir / "sweep.yaml", R"(base: experiment.yaml
dir: sweep
set: {train.epochs: 3}
grid: {train.optimizer.lr: [0.05, 0.1]}
variants: [{name: no_backbone, set: {model.backbone: missing.pt}}]
)");
  const std::string sweep = kSweep + " " + (dir / "sweep.yaml").string();
  EXPECT_EQ(run_command(sweep, dir / "table.md", dir / "sweep.log"), 4) << read_file(dir / "sweep.log");
  const auto results = read_json(dir / "sweep/results.json");
  ASSERT_EQ(results["variants"].size(), 3u);
  EXPECT_EQ(results["variants"][0]["best"], true);
  for (int i : {0, 1}) {
    EXPECT_EQ(results["variants"][i]["status"], "ok");
    EXPECT_GE(results["variants"][i]["metrics"]["top1"].get<double>(), 0.8);
    EXPECT_EQ(results["variants"][i]["epochs"], 3);
    EXPECT_TRUE(
        std::filesystem::exists(dir / "sweep" / results["variants"][i]["name"].get<std::string>() / "eval_test.json"));
  }
  EXPECT_EQ(results["variants"][2]["name"], "no_backbone");
  EXPECT_EQ(results["variants"][2]["status"], "failed");
  EXPECT_NE(results["variants"][2]["error"].get<std::string>().find("missing.pt: backbone file not found"),
            std::string::npos)
      << results["variants"][2]["error"];
  EXPECT_NE(read_file(dir / "table.md").find("| failed |"), std::string::npos) << "the table goes to stdout";
  EXPECT_NE(read_file(dir / "sweep.log").find("1 of 3 variants failed"), std::string::npos);
  for (const char* file : {"results.csv", "results.md", "logs/no_backbone.log", "configs/lr-0.1.json"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / "sweep" / file)) << file;
  }

  EXPECT_EQ(run_command(sweep, dir / "again.md", dir / "again.log"), 1);
  EXPECT_NE(read_file(dir / "again.log").find("holds an earlier run of this sweep; use --resume"), std::string::npos);
  EXPECT_EQ(run_command(kSweep, dir / "usage.log"), 2);
  EXPECT_EQ(run_command(sweep + " --overwrite --fail-under top1", dir / "bad_gate.md", dir / "bad_gate.log"), 1);
  EXPECT_NE(read_file(dir / "bad_gate.log").find("expected METRIC=VALUE"), std::string::npos);
}

TEST_F(SyntheticRun, SweepGatesAndResume) {
  write_file(dir / "sweep.yaml", R"(base: experiment.yaml
dir: sweep
set: {train.epochs: 3}
grid: {train.optimizer.lr: [0.05, 0.1]}
)");
  const std::string sweep = kSweep + " " + (dir / "sweep.yaml").string();
  EXPECT_EQ(run_command(sweep + " --fail-under top1=1.01", dir / "table.md", dir / "sweep.log"), 3)
      << read_file(dir / "sweep.log");
  const std::string log = read_file(dir / "sweep.log");
  EXPECT_NE(log.find("gate missed: lr-0.05: top1 "), std::string::npos) << log;
  EXPECT_NE(log.find("gate missed: lr-0.1: top1 "), std::string::npos) << log;
  EXPECT_NE(log.find(" < 1.0100 (--fail-under)"), std::string::npos) << log;

  // An interrupted sweep: the second variant never finished.
  const std::string first_metrics = read_file(dir / "sweep/lr-0.05/metrics.jsonl");
  std::filesystem::remove(dir / "sweep/lr-0.1/summary.json");
  std::filesystem::remove(dir / "sweep/lr-0.1/eval_test.json");
  ASSERT_EQ(run_command(sweep + " --resume --fail-under top1=0.5", dir / "resumed.md", dir / "resumed.log"), 0)
      << read_file(dir / "resumed.log");
  EXPECT_NE(read_file(dir / "resumed.log").find("[1/2] lr-0.05: finished earlier, skipped"), std::string::npos);
  EXPECT_NE(read_file(dir / "resumed.log").find("[2/2] lr-0.1: training"), std::string::npos);
  EXPECT_EQ(read_file(dir / "sweep/lr-0.05/metrics.jsonl"), first_metrics) << "a finished variant is left alone";
  EXPECT_TRUE(std::filesystem::exists(dir / "sweep/lr-0.1/summary.json"));
  const auto results = read_json(dir / "sweep/results.json");
  ASSERT_EQ(results["variants"].size(), 2u);
  for (const auto& variant : results["variants"]) EXPECT_EQ(variant["status"], "ok");
  expect_files_fit_their_schemas(dir / "sweep");
}

// A sweep over folds, end to end: each learning rate trains once per validation fold, and the
// recipes are ranked by their mean validation accuracy in the table, results.json and the report.
TEST_F(SyntheticRun, SweepOverFoldsRanksRecipesByTheirMean) {
  write_file(dir / "sweep.yaml", R"(base: experiment.yaml
dir: sweep
folds: 2
set: {train.epochs: 3}
grid: {train.optimizer.lr: [0.05, 0.1]}
)");
  ASSERT_EQ(run_command(kSweep + " " + (dir / "sweep.yaml").string(), dir / "table.md", dir / "sweep.log"), 0)
      << read_file(dir / "sweep.log");
  const auto results = read_json(dir / "sweep/results.json");
  EXPECT_EQ(results["metric"], "val_accuracy");
  ASSERT_EQ(results["variants"].size(), 4u);
  ASSERT_EQ(results["recipes"].size(), 2u);
  double best_mean = 0.0;
  for (const auto& recipe : results["recipes"]) {
    EXPECT_EQ(recipe["finished"], 2);
    double sum = 0.0;
    for (const auto& variant : results["variants"]) {
      if (variant["recipe"] == recipe["name"]) sum += variant["metrics"]["val_accuracy"].get<double>();
    }
    EXPECT_NEAR(recipe["mean"]["val_accuracy"].get<double>(), sum / 2, 1e-9) << recipe["name"];
    if (recipe["best"].get<bool>()) best_mean = recipe["mean"]["val_accuracy"].get<double>();
  }
  EXPECT_EQ(best_mean, results["recipes"][0]["mean"]["val_accuracy"].get<double>()) << "the first is the best";
  EXPECT_GE(results["recipes"][0]["mean"]["val_accuracy"].get<double>(),
            results["recipes"][1]["mean"]["val_accuracy"].get<double>());
  // The two folds of a recipe validate on different images that together are all of them.
  const auto fold0 = read_json(dir / "sweep/lr-0.05__fold-0/summary.json");
  const auto fold1 = read_json(dir / "sweep/lr-0.05__fold-1/summary.json");
  EXPECT_EQ(fold0["samples"]["test"], fold1["samples"]["test"]);
  EXPECT_EQ(fold0["samples"]["val"].get<int>() + fold1["samples"]["val"].get<int>(),
            fold0["samples"]["train"].get<int>() + fold0["samples"]["val"].get<int>());
  EXPECT_NE(read_file(dir / "table.md").find("Recipes over 2 validation folds"), std::string::npos);
  EXPECT_NE(read_file(dir / "sweep/report.html").find("id=\"recipes\""), std::string::npos);
  expect_files_fit_their_schemas(dir / "sweep");
}

TEST_F(SyntheticRun, WarmupClippingClassWeightsAndEarlyStopping) {
  ASSERT_EQ(train("--set train.schedule.warmup_epochs=2 --set train.clip_grad_norm=1.0 "
                  "--set train.class_weights=balanced"),
            0)
      << read_file(dir / "train.log");
  const auto metrics = read_json_lines(dir / "run/metrics.jsonl");
  ASSERT_EQ(metrics.size(), 6u);
  EXPECT_DOUBLE_EQ(metrics[0]["lr"].get<double>(), 0.0) << "warmup starts from zero";
  EXPECT_DOUBLE_EQ(metrics[1]["lr"].get<double>(), 0.025) << "half-way through a 2-epoch warmup";
  EXPECT_DOUBLE_EQ(metrics[2]["lr"].get<double>(), 0.05);
  EXPECT_GE(read_json(dir / "run/summary.json")["best"]["val_accuracy"].get<double>(), 0.9);

  // A learning rate too small to move the loss: stopped after 1 + patience epochs.
  ASSERT_EQ(train("--overwrite --set train.optimizer.lr=1e-9 --set train.early_stopping.patience=2 "
                  "--set train.early_stopping.min_delta=0.001"),
            0)
      << read_file(dir / "train.log");
  EXPECT_EQ(read_json_lines(dir / "run/metrics.jsonl").size(), 3u);
  const auto summary = read_json(dir / "run/summary.json");
  EXPECT_EQ(summary["stopped_early"], true);
  EXPECT_EQ(summary["epochs"], 3);
  EXPECT_EQ(summary["epochs_configured"], 6);
  EXPECT_NE(read_file(dir / "train.log").find("early stopping"), std::string::npos);
}

TEST_F(SyntheticRun, AugmentedViewsCostOneBackbonePassEachAndAreCached) {
  const std::string augmentation =
      "--set train.augmentation.random_resized_crop=true --set train.augmentation.crop_scale=[0.5,1] "
      "--set train.augmentation.horizontal_flip=true --set train.augmentation.brightness=0.3 ";
  ASSERT_EQ(train(augmentation + "--set train.augmentation.views=2"), 0) << read_file(dir / "train.log");
  const auto first = read_json(dir / "run/summary.json");
  const int train_images = first["samples"]["train"].get<int>(), val_images = first["samples"]["val"].get<int>();
  EXPECT_EQ(first["augmentation"]["views"], 2);
  // Six epochs, two views: each training image through the backbone twice, validation once.
  EXPECT_EQ(first["feature_extraction"]["computed_by_backbone"].get<int>(), 2 * train_images + val_images);
  EXPECT_GE(first["best"]["val_accuracy"].get<double>(), 0.9);

  ASSERT_EQ(train(augmentation + "--set train.augmentation.views=2 --overwrite"), 0) << read_file(dir / "train.log");
  EXPECT_EQ(read_json(dir / "run/summary.json")["feature_extraction"]["computed_by_backbone"], 0)
      << "every view came from the cache";
  ASSERT_EQ(train(augmentation + "--set train.augmentation.views=3 --set output.dir=" + (dir / "three").string()), 0)
      << read_file(dir / "train.log");
  EXPECT_EQ(read_json(dir / "three/summary.json")["feature_extraction"]["computed_by_backbone"], train_images)
      << "views 1 and 2 are the same views whatever their number; only view 3 is new";
  const auto two_views = read_json_lines(dir / "run/metrics.jsonl"),
             three_views = read_json_lines(dir / "three/metrics.jsonl");
  EXPECT_EQ(two_views[0]["train_loss"], three_views[0]["train_loss"]) << "epoch 1 trains on view 1 in both runs";
  EXPECT_NE(two_views[2]["train_loss"], three_views[2]["train_loss"]) << "epoch 3: view 1 again vs view 3";
}

TEST_F(SyntheticRun, FineTuningTrainsTheTopOfTheBackboneAndEverythingDownstreamUsesIt) {
  const std::string fine_tune =
      "--set train.epochs=3 --set train.fine_tune.epochs=3 --set train.fine_tune.unfreeze_blocks=1 "
      "--set train.fine_tune.bn=train --set train.fine_tune.lr=0.01 ";
  ASSERT_EQ(train(fine_tune), 0) << read_file(dir / "train.log");
  expect_files_fit_their_schemas(dir / "run");
  const auto metrics = read_json_lines(dir / "run/metrics.jsonl");
  ASSERT_EQ(metrics.size(), 6u);
  EXPECT_EQ(metrics[2]["stage"], "head");
  EXPECT_EQ(metrics[3]["stage"], "fine_tune");
  EXPECT_DOUBLE_EQ(metrics[3]["lr"].get<double>(), 0.01) << "stage two starts its own schedule at its own rate";
  const auto summary = read_json(dir / "run/summary.json");
  EXPECT_EQ(summary["fine_tune"]["unfrozen_blocks"], nlohmann::json({"bn"})) << "the tiny backbone ends conv, bn";
  EXPECT_EQ(summary["fine_tune"]["epochs_run"], 3);
  const int val_images = summary["samples"]["val"].get<int>();

  // tl-eval scores best.pt through the backbone as tuned at that epoch: the recorded accuracy.
  ASSERT_EQ(run_command(kEval + " --run " + (dir / "run").string() + " --split val --checkpoint " +
                            (dir / "run/last.pt").string() + " --out " + (dir / "eval.json").string(),
                        dir / "eval.log"),
            0)
      << read_file(dir / "eval.log");
  EXPECT_DOUBLE_EQ(read_json(dir / "eval.json")["top1"].get<double>(), metrics.back()["val_accuracy"].get<double>());
  EXPECT_TRUE(read_json(dir / "eval.json")["highest_losses"][0].contains("heat_maps"))
      << "heat maps drawn through the tuned backbone";
  // The exported module carries the tuned tensors (tl-export compares it with tl's own scores).
  ASSERT_EQ(run_command(kExport + " --run " + (dir / "run").string() + " --checkpoint " +
                            (dir / "run/last.pt").string() + " --out " + (dir / "model.pt").string(),
                        dir / "export.log"),
            0)
      << read_file(dir / "export.log");

  const int train_images = summary["samples"]["train"].get<int>();
  EXPECT_EQ(summary["fine_tune"]["frozen_prefix"]["cut"], "bn");
  EXPECT_EQ(summary["fine_tune"]["frozen_prefix"]["computed"], train_images + val_images)
      << "the frozen convolution runs once per image, not once per epoch";

  // Rerun: stage one's features and stage two's frozen-prefix activations come from the cache.
  ASSERT_EQ(train(fine_tune + "--overwrite"), 0) << read_file(dir / "train.log");
  const auto rerun = read_json(dir / "run/summary.json");
  EXPECT_EQ(rerun["feature_extraction"]["computed_by_backbone"], 0);
  EXPECT_EQ(rerun["fine_tune"]["frozen_prefix"]["computed"], 0);
  EXPECT_EQ(rerun["fine_tune"]["frozen_prefix"]["from_cache"], train_images + val_images);
  // Without the prefix cut, stage two recomputes validation through the whole backbone every epoch.
  ASSERT_EQ(train(fine_tune + "--set train.fine_tune.cache_prefix=false --overwrite"), 0)
      << read_file(dir / "train.log");
  EXPECT_EQ(read_json(dir / "run/summary.json")["feature_extraction"]["computed_by_backbone"], 3 * val_images)
      << "the cache is bypassed exactly while the backbone's weights change";
}

// Long enough to interrupt: hundreds of cheap epochs on cached features.
const char* kLongRun =
    " --set train.epochs=300 --set model.head.type=mlp --set model.head.hidden=[16] "
    "--set model.head.dropout=0.2";

size_t metric_lines(const std::filesystem::path& file) {
  const std::string text = read_file(file);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Until the run has written `epochs` metric lines; false if the command ended first.
bool wait_for_epochs(tl::testing::BackgroundCommand& command, const std::filesystem::path& metrics, size_t epochs) {
  while (!std::filesystem::exists(metrics) || metric_lines(metrics) < epochs) {
    if (!command.running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a file, not timing anything
  }
  return true;
}

void expect_same_training(const std::filesystem::path& a, const std::filesystem::path& b) {
  const auto first = read_json_lines(a / "metrics.jsonl"), second = read_json_lines(b / "metrics.jsonl");
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) {
    for (const char* key : {"epoch", "lr", "train_loss", "train_accuracy", "val_loss", "val_accuracy"}) {
      EXPECT_EQ(first[i][key], second[i][key]) << "epoch " << i + 1 << " " << key;
    }
  }
  EXPECT_EQ(read_json(a / "summary.json")["best"]["epoch"], read_json(b / "summary.json")["best"]["epoch"]);
}

// Trains `settings` whole, then again killed with SIGKILL once `kill_after` epochs are written and
// resumed: both must end with the same numbers.
void expect_killed_run_to_resume_alike(const std::filesystem::path& dir, const std::string& settings,
                                       size_t kill_after) {
  const std::string command = kTrain + " --config " + (dir / "experiment.yaml").string() + settings;
  ASSERT_EQ(run_command(command + " --set output.dir=" + (dir / "whole").string(), dir / "train.log"), 0)
      << read_file(dir / "train.log");
  {
    tl::testing::BackgroundCommand killed(command, dir / "killed.log");
    ASSERT_TRUE(wait_for_epochs(killed, dir / "run/metrics.jsonl", kill_after)) << read_file(dir / "killed.log");
    killed.send(SIGKILL);
    EXPECT_EQ(killed.wait(), 128 + SIGKILL);
  }
  ASSERT_FALSE(std::filesystem::exists(dir / "run/summary.json")) << "killed before the end";
  // Every file the run had written is whole.
  for (const char* file : {"config.json", "classes.json", "skipped.json"}) read_json(dir / "run" / file);
  read_json_lines(dir / "run/metrics.jsonl");

  ASSERT_EQ(run_command(kTrain + " --resume " + (dir / "run").string(), dir / "resume.log"), 0)
      << read_file(dir / "resume.log");
  EXPECT_NE(read_file(dir / "resume.log").find("resuming"), std::string::npos);
  // Same seed, same cached features, restored head, optimizer and generator state: the same numbers.
  expect_same_training(dir / "whole", dir / "run");
  for (const auto& entry : std::filesystem::directory_iterator(dir / "run")) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
  }
}

TEST_F(SyntheticRun, AKilledRunResumesToTheSameResult) { expect_killed_run_to_resume_alike(dir.path(), kLongRun, 40); }

TEST_F(SyntheticRun, AKilledFineTuningRunResumesToTheSameResult) {
  // Killed well into stage two: the tuned backbone tensors, both optimizer groups, the BatchNorm
  // statistics and the per-epoch augmentation keys must all come back.
  expect_killed_run_to_resume_alike(
      dir.path(),
      " --set train.epochs=4 --set train.fine_tune.epochs=100 --set train.fine_tune.unfreeze=[bn] "
      "--set train.fine_tune.bn=train --set train.augmentation.horizontal_flip=true --set train.sampling=balanced",
      20);
  const auto metrics = read_json_lines(dir / "run/metrics.jsonl");
  EXPECT_EQ(metrics[3]["stage"], "head");
  EXPECT_EQ(metrics[4]["stage"], "fine_tune");
}

// Starts the long run into dir/run, lets it train 40 epochs, sends `signal_number` and returns its exit
// code (-1 if it never got that far).
int stop_long_run_with(int signal_number, const std::filesystem::path& dir, const std::filesystem::path& log) {
  tl::testing::BackgroundCommand run(kTrain + " --config " + (dir / "experiment.yaml").string() + kLongRun, log);
  if (!wait_for_epochs(run, dir / "run/metrics.jsonl", 40)) return -1;
  run.send(signal_number);
  return run.wait();
}

TEST_F(SyntheticRun, CtrlCSavesACheckpointAndResumeFinishesTheRun) {
  ASSERT_EQ(train(std::string(kLongRun) + " --set output.dir=" + (dir / "whole").string()), 0)
      << read_file(dir / "train.log");
  EXPECT_EQ(stop_long_run_with(SIGINT, dir.path(), dir / "interrupted.log"), 130) << read_file(dir / "interrupted.log");
  const std::string log = read_file(dir / "interrupted.log");
  EXPECT_NE(log.find("training interrupted (Ctrl-C) after epoch"), std::string::npos) << log;
  EXPECT_NE(log.find("continue with tl-train --resume " + (dir / "run").string()), std::string::npos) << log;
  EXPECT_LT(metric_lines(dir / "run/metrics.jsonl"), 300u);

  ASSERT_EQ(run_command(kTrain + " --resume " + (dir / "run").string(), dir / "resume.log"), 0)
      << read_file(dir / "resume.log");
  expect_same_training(dir / "whole", dir / "run");
  EXPECT_EQ(run_command(kTrain + " --resume " + (dir / "data").string(), dir / "notrun.log"), 1);
  EXPECT_NE(read_file(dir / "notrun.log").find("not a tl run directory"), std::string::npos);
}

TEST_F(SyntheticRun, AClassWithoutTrainingImagesIsAnErrorNamingIt) {
  std::filesystem::create_directory(dir / "data/green");
  EXPECT_EQ(train(), 1) << read_file(dir / "train.log");
  const std::string log = read_file(dir / "train.log");
  EXPECT_NE(log.find("no training images for class \"green\""), std::string::npos) << log;

  // Files that are all undecodable once trained a head with an output it never learned, silently.
  for (int i = 0; i < 12; ++i) write_file(dir / "data/green" / (std::to_string(i) + ".jpg"), "not a photo");
  EXPECT_EQ(train("--overwrite"), 1) << read_file(dir / "train.log");
  const std::string undecodable = read_file(dir / "train.log");
  EXPECT_NE(undecodable.find("no training image decodes for class \"green\": its files were all skipped"),
            std::string::npos)
      << undecodable;
}

// Two writers into one run directory once both exited 0 with the metrics of both interleaved.
TEST_F(SyntheticRun, ASecondWriterIsRefusedAndAKilledHolderDoesNotBlockTheResume) {
  tl::testing::BackgroundCommand first(kTrain + " --config " + (dir / "experiment.yaml").string() + kLongRun,
                                       dir / "first.log");
  ASSERT_TRUE(wait_for_epochs(first, dir / "run/metrics.jsonl", 5)) << read_file(dir / "first.log");
  // Stopped, it holds the run without finishing it while the others try (a fast machine once
  // finished all its epochs before the second attempt).
  first.send(SIGSTOP);
  for (const std::string& second :
       {kTrain + " --config " + (dir / "experiment.yaml").string() + kLongRun + " --overwrite",
        kTrain + " --resume " + (dir / "run").string()}) {
    EXPECT_EQ(run_command(second, dir / "second.log"), 1) << read_file(dir / "second.log");
    const std::string log = read_file(dir / "second.log");
    EXPECT_NE(log.find((dir / "run").string() + ": in use by pid "), std::string::npos) << log;
  }
  first.send(SIGKILL);
  first.wait();
  ASSERT_EQ(run_command(kTrain + " --resume " + (dir / "run").string(), dir / "resume.log"), 0)
      << read_file(dir / "resume.log");
  EXPECT_TRUE(std::filesystem::exists(dir / "run/summary.json"));
}

// Schedulers and CI runners stop jobs with SIGTERM: the same safe stop as Ctrl-C, exit 143.
TEST_F(SyntheticRun, SigtermStopsAfterTheEpochWithACheckpointLikeCtrlC) {
  EXPECT_EQ(stop_long_run_with(SIGTERM, dir.path(), dir / "terminated.log"), 143) << read_file(dir / "terminated.log");
  const std::string log = read_file(dir / "terminated.log");
  EXPECT_NE(log.find("(SIGTERM)"), std::string::npos) << log;
  EXPECT_NE(log.find("continue with tl-train --resume " + (dir / "run").string()), std::string::npos) << log;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "run")) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << "leftover " << entry.path();
  }
  ASSERT_EQ(run_command(kTrain + " --resume " + (dir / "run").string(), dir / "resume.log"), 0)
      << read_file(dir / "resume.log");
  EXPECT_TRUE(std::filesystem::exists(dir / "run/summary.json"));
}

TEST_F(SyntheticRun, CtrlCStopsASweepAndResumeContinuesTheInterruptedVariant) {
  write_file(dir / "sweep.yaml", std::string(R"(base: experiment.yaml
dir: sweep
set: {train.epochs: 300, model.head.type: mlp, model.head.hidden: [16]}
grid: {train.optimizer.lr: [0.05, 0.1]}
)"));
  tl::testing::BackgroundCommand sweep(kSweep + " " + (dir / "sweep.yaml").string(), dir / "sweep.log");
  ASSERT_TRUE(wait_for_epochs(sweep, dir / "sweep/lr-0.05/metrics.jsonl", 20)) << read_file(dir / "sweep.log");
  sweep.send(SIGINT);
  EXPECT_EQ(sweep.wait(), 130) << read_file(dir / "sweep.log");
  EXPECT_NE(read_file(dir / "sweep.log").find("sweep interrupted during variant lr-0.05"), std::string::npos)
      << read_file(dir / "sweep.log");
  EXPECT_FALSE(std::filesystem::exists(dir / "sweep/lr-0.1")) << "the next variant never started";

  ASSERT_EQ(
      run_command(kSweep + " " + (dir / "sweep.yaml").string() + " --resume", dir / "table.md", dir / "resumed.log"), 0)
      << read_file(dir / "resumed.log");
  EXPECT_NE(read_file(dir / "sweep/logs/lr-0.05.log").find("resuming"), std::string::npos)
      << "the interrupted variant continued from its last.pt";
  const auto results = read_json(dir / "sweep/results.json");
  ASSERT_EQ(results["variants"].size(), 2u);
  for (const auto& variant : results["variants"]) {
    EXPECT_EQ(variant["status"], "ok");
    EXPECT_EQ(variant["epochs"], 300);
  }
}

TEST_F(SyntheticRun, EvalRefusesABackboneThatChangedSinceTraining) {
  ASSERT_EQ(train(), 0) << read_file(dir / "train.log");
  std::filesystem::copy_file(tl::testing::tiny_backbones() / "flat.pt", dir / "tiny.pt",
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(run_command(kEval + " --run " + (dir / "run").string(), dir / "eval.log"), 1);
  EXPECT_NE(read_file(dir / "eval.log").find("backbone file changed since"), std::string::npos);
}

// The runs of the ready configs that several real-data tests read, each trained once per ctest run
// (RealDataRuns, a CTest fixture the other *RealData* tests require) into the build tree. A test
// that reads one may evaluate it (tl-eval adds its files to the run) but never trains it again.
const std::filesystem::path kRealRuns = TL_REAL_RUNS_DIR;
constexpr const char* kSharedRunConfigs[] = {"cats_vs_dogs.yaml", "oxford_pets_species.yaml",
                                             "oxford_pets_breeds.yaml"};

std::filesystem::path real_run(const std::string& config) { return kRealRuns / std::filesystem::path(config).stem(); }

class RealDataRuns : public ::testing::TestWithParam<const char*> {};

TEST_P(RealDataRuns, TrainOnce) {
  TL_REQUIRE_SHARED_DATA();
  const auto run = real_run(GetParam());
  std::filesystem::create_directories(kRealRuns);
  const auto log = kRealRuns / (run.filename().string() + ".log");
  ASSERT_EQ(run_command(kTrain + " --config " + (kConfigs / GetParam()).string() + " --set output.dir=" + run.string() +
                            " --overwrite",
                        log),
            0)
      << read_file(log);
}

INSTANTIATE_TEST_SUITE_P(Configs, RealDataRuns, ::testing::ValuesIn(kSharedRunConfigs),
                         [](const ::testing::TestParamInfo<const char*>& param_info) {
                           return std::filesystem::path(param_info.param).stem().string();
                         });

// A run RealDataRuns trained; a clear failure when the fixture did not run (a test started by hand).
std::filesystem::path trained_real_run(const std::string& config) {
  const auto run = real_run(config);
  EXPECT_TRUE(std::filesystem::is_regular_file(run / "summary.json"))
      << run << " is missing: ctest trains it (fixture tl_real_runs), or run the RealDataRuns tests first";
  return run;
}

// tl-eval of a split of a run into `out`, its JSON read back.
nlohmann::json evaluate(const std::filesystem::path& run, const std::string& split, const std::filesystem::path& out) {
  const auto log = out.parent_path() / "eval.log";
  EXPECT_EQ(run_command(kEval + " --run " + run.string() + " --split " + split + " --out " + out.string(), log), 0)
      << read_file(log);
  return read_json(out);
}

// The product's promise on real data: ready configs, real MobileNetV2 features, the default head.
// Issue #34's bar for the default: at least today's best shipped recipe (the logistic probe with
// flips: 99.00% on Cats-vs-Dogs' 300 test images, 92.65% / 86.08% on the 136 Oxford breed lines) less
// about one image for numerical differences between CPUs. Mean per-class accuracy over 37 breeds of
// 3-4 test images each moves more: the L2 strength validation chooses differs between CPUs and
// precisions by rounding (10^-3 or 10^-3.5), which measured 81.91% and 86.08% on one AMD EPYC
// (float32 and bfloat16 features) at the same top-1 within an image.
struct RealRunCase {
  const char* config;
  const char* split;
  double minimum_top1;
  double minimum_mean_per_class;
};

std::ostream& operator<<(std::ostream& out, const RealRunCase& run_case) {
  return out << run_case.config << " on " << run_case.split << ", top-1 >= " << run_case.minimum_top1;
}

class RealData : public ::testing::TestWithParam<RealRunCase> {};

// The README's first command: the demo in the repository trains and evaluates with nothing else
// on the machine (no ../shared), and tells cats from dogs as the README says.
TEST(Demo, TrainsAndEvaluatesFromTheRepositoryAlone) {
  TempDirectory dir;
  const auto run = dir / "run";
  ASSERT_EQ(run_command(kTrain + " --config " + (kConfigs / "demo.yaml").string() +
                            " --set output.dir=" + run.string() + " --set cache_dir=" + (dir / "cache").string(),
                        dir / "train.log"),
            0)
      << read_file(dir / "train.log");
  ASSERT_EQ(run_command(kEval + " --run " + run.string() + " --split test", dir / "eval.log"), 0)
      << read_file(dir / "eval.log");
  const auto report = read_json(run / "eval_test.json");
  EXPECT_EQ(report["samples"], 136);
  EXPECT_GE(report["top1"].get<double>(), 0.92) << "the README promises about 94%";
  EXPECT_EQ(read_json(run / "summary.json")["skipped_files"], 0);
}

// data/demo is made by tools/make_demo.py from ../shared; rerunning it gives the committed files.
TEST(RealDataDemo, MakeDemoRemakesTheCommittedDemo) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  ASSERT_EQ(run_command(tl::testing::python() + " " + (kTools / "make_demo.py").string() + " --shared " +
                            tl::testing::shared_dir().string() + " --out " + (dir / "demo").string(),
                        dir / "make.log"),
            0)
      << read_file(dir / "make.log");
  const auto committed = kConfigs.parent_path() / "data/demo";
  size_t compared = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir / "demo")) {
    if (!entry.is_regular_file()) continue;
    const auto relative = std::filesystem::relative(entry.path(), dir / "demo");
    ASSERT_TRUE(std::filesystem::exists(committed / relative)) << relative;
    EXPECT_EQ(read_file(entry.path()), read_file(committed / relative)) << relative;
    ++compared;
  }
  EXPECT_GE(compared, 665u + 3 + 3);
}

TEST_P(RealData, ReachesTheAccuracyTheProductPromises) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  const auto report = evaluate(trained_real_run(GetParam().config), GetParam().split, dir / "eval.json");
  std::cout << "[ accuracy ] " << GetParam().config << " " << GetParam().split << ": top-1 "
            << report["top1"].get<double>() << ", mean per-class " << report["mean_per_class_accuracy"].get<double>()
            << " on " << report["samples"] << " images\n";
  EXPECT_GE(report["top1"].get<double>(), GetParam().minimum_top1);
  EXPECT_GE(report["mean_per_class_accuracy"].get<double>(), GetParam().minimum_mean_per_class);
  EXPECT_EQ(report["skipped_files"], 0);
}

INSTANTIATE_TEST_SUITE_P(Configs, RealData,
                         ::testing::Values(RealRunCase{"cats_vs_dogs.yaml", "test", 0.986, 0.986},
                                           RealRunCase{"oxford_pets_species.yaml", "test", 0.98, 0.98},
                                           RealRunCase{"oxford_pets_breeds.yaml", "test", 0.915, 0.80}),
                         [](const ::testing::TestParamInfo<RealRunCase>& param_info) {
                           std::string name = param_info.param.config;
                           return name.substr(0, name.find('.'));
                         });

// Issue #34's bar: the default recipe (a config that names only the data and the backbone, here the
// fixture's oxford_pets_breeds.yaml run) is at least as good on the official test lines, in top-1 and
// in mean per-class accuracy, as every other shipped recipe on the same backbone: the Adam-trained
// linear head (the default before), train-time augmentation and fine-tuning. (The best shipped
// config before, the logistic probe with flips, is now this default.) (Two backbones are a
// larger model; RealDataTwoBackbones holds them to their own bar.)
class RealDataDefaultRecipe : public ::testing::TestWithParam<const char*> {};

nlohmann::json train_and_test(const TempDirectory& dir, const std::string& config) {
  const auto run = dir / config;
  EXPECT_EQ(run_command(kTrain + " --config " + (kConfigs / config).string() + " --set output.dir=" + run.string(),
                        dir / "train.log"),
            0)
      << read_file(dir / "train.log");
  const auto report = evaluate(run, "test", run / "test.json");
  std::cout << "[ accuracy ] " << config << " test: top-1 " << report["top1"].get<double>() << ", mean per-class "
            << report["mean_per_class_accuracy"].get<double>() << "\n";
  return report;
}

TEST_P(RealDataDefaultRecipe, IsAtLeastAsGoodAsTheOtherShippedRecipes) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  const auto run = trained_real_run("oxford_pets_breeds.yaml");
  EXPECT_EQ(read_json(run / "config.json")["model"]["head"]["type"], "logistic") << "the config names no head";
  const auto by_default = evaluate(run, "test", dir / "default.json");
  const auto other = train_and_test(dir, GetParam());
  EXPECT_GE(by_default["top1"].get<double>(), other["top1"].get<double>());
  EXPECT_GE(by_default["mean_per_class_accuracy"].get<double>(), other["mean_per_class_accuracy"].get<double>());
  const auto config = read_json(dir / GetParam() / "config.json");
  EXPECT_EQ(other["tta"], config["eval"]["tta"]) << "the eval JSON says how it scored";
}

INSTANTIATE_TEST_SUITE_P(Configs, RealDataDefaultRecipe,
                         ::testing::Values("oxford_pets_breeds_linear.yaml", "oxford_pets_breeds_augmented.yaml",
                                           "oxford_pets_breeds_fine_tune.yaml",
                                           "oxford_pets_breeds_logistic_fine_tune.yaml"),
                         [](const ::testing::TestParamInfo<const char*>& param_info) {
                           const std::string name = param_info.param;
                           return name.substr(0, name.find('.'));
                         });

// The default recipe on Cats-vs-Dogs (cats_vs_dogs.yaml: the logistic probe, test-time flips), end
// to end: the solve chooses its strength on the 300 validation images and refits on them, tl-eval
// scores the test images with flips (and says so), tl-predict and the exported module give the same
// probabilities for a photo.
TEST(RealDataLogisticProbe, TrainsEvaluatesPredictsAndExportsWithFlipsOnCatsVsDogs) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  const auto run = trained_real_run("cats_vs_dogs.yaml");
  const auto summary = read_json(run / "summary.json");
  EXPECT_EQ(summary["head_fit"]["l2_grid"].size(), 15u);
  EXPECT_EQ(summary["head_fit"]["fitted_rows"], 1702) << "1,402 training and 300 validation images";
  EXPECT_EQ(summary["eval"]["tta"], "flip");
  ASSERT_EQ(run_command(kEval + " --run " + run.string() + " --split test --out " + (dir / "test.json").string(),
                        dir / "eval.log"),
            0)
      << read_file(dir / "eval.log");
  const auto report = read_json(dir / "test.json");
  EXPECT_EQ(report["tta"], "flip");
  EXPECT_EQ(report["samples"], 300);
  EXPECT_GE(report["top1"].get<double>(), 0.97) << "MobileNetV2's features separate cats from dogs";

  const auto photo = tl::testing::cats_vs_dogs_root() / "PetImages/Dog/3.jpg";
  const auto predicted = predict(run, {photo}, dir.path());
  ASSERT_EQ(run_command(kExport + " --run " + run.string() + " --softmax --out " + (dir / "classifier.pt").string(),
                        dir / "export.log"),
            0)
      << read_file(dir / "export.log");
  const auto metadata = read_json(dir / "classifier.json");
  EXPECT_EQ(metadata["tta"], "flip");
  expect_same_predictions(predicted, run_exported_in_python(dir / "classifier.pt", {photo}, dir.path()),
                          metadata["classes"].get<std::vector<std::string>>(), 1e-3);
}

// Issue #19's target on the shared Oxford breeds: two frozen backbones at once (MobileNetV2 and
// MobileNetV1, configs/oxford_pets_breeds_two_backbones.yaml: logistic probe, flips) reach 92% top-1
// and 80% mean per-class accuracy on the official test lines; tl-predict and the exported module
// (both backbones in one file, run by PyTorch) give the same probabilities for photos.
TEST(RealDataTwoBackbones, ReachTheTargetOnOxfordBreedsAndExportAsOneModule) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  const auto report = train_and_test(dir, "oxford_pets_breeds_two_backbones.yaml");
  const auto run = dir / "oxford_pets_breeds_two_backbones.yaml";
  EXPECT_EQ(report["samples"], 136);
  EXPECT_GE(report["top1"].get<double>(), 0.92);
  EXPECT_GE(report["mean_per_class_accuracy"].get<double>(), 0.80);
  const auto summary = read_json(run / "summary.json");
  EXPECT_EQ(summary["backbone"]["feature_dim"], 1280 + 1024);
  EXPECT_EQ(summary["backbone"]["concatenated"].size(), 2u);

  const std::vector<std::filesystem::path> photos{tl::testing::oxford_pets_root() / "images/Bengal_1.jpg",
                                                  tl::testing::oxford_pets_root() / "images/pug_112.jpg"};
  const auto predicted = predict(run, photos, dir.path());
  ASSERT_EQ(run_command(kExport + " --run " + run.string() + " --softmax --out " + (dir / "classifier.pt").string(),
                        dir / "export.log"),
            0)
      << read_file(dir / "export.log");
  const auto metadata = read_json(dir / "classifier.json");
  EXPECT_EQ(metadata["source"]["backbone"].size(), 2u);
  expect_same_predictions(predicted, run_exported_in_python(dir / "classifier.pt", photos, dir.path()),
                          metadata["classes"].get<std::vector<std::string>>(), 1e-3);
}

// tools/export_backbone.py with random weights (offline): each family exports, loads and trains.
class RealDataExportedFamily : public ::testing::TestWithParam<std::pair<std::string, int>> {};

TEST_P(RealDataExportedFamily, ExportsAndTrainsOnRealImages) {
  TL_REQUIRE_SHARED_DATA();
  const auto& [arch, feature_dim] = GetParam();
  TempDirectory dir;
  ASSERT_EQ(run_command(tl::testing::python() + " " + (kTools / "export_backbone.py").string() + " " + arch +
                            " --weights random --out " + (dir / "backbone").string(),
                        dir / "export.log"),
            0)
      << read_file(dir / "export.log");
  const auto metadata = read_json(dir / "backbone/backbone.json");
  EXPECT_EQ(metadata["feature_dim"], feature_dim);
  // A small real subset: 12 cats and 12 dogs.
  for (const char* species : {"Cat", "Dog"}) {
    std::filesystem::create_directories(dir / "data" / species);
    for (int i = 0; i < 12; ++i) {
      std::filesystem::create_symlink(
          tl::testing::cats_vs_dogs_root() / "PetImages" / species / (std::to_string(i) + ".jpg"),
          dir / "data" / species / (std::to_string(i) + ".jpg"));
    }
  }
  write_file(dir / "experiment.yaml",
             R"(data: {layout: image_folder, root: data, image_size: 64, val_fraction: 0.25, test_fraction: 0.0}
model: {backbone: backbone/backbone.pt, head: {type: linear}}
train: {epochs: 4, batch_size: 6, optimizer: {lr: 0.001}, schedule: {name: constant},
        fine_tune: {epochs: 2, unfreeze_blocks: 1, bn: train}}
cache: off
output: {dir: run}
)");
  ASSERT_EQ(run_command(kTrain + " --config " + (dir / "experiment.yaml").string(), dir / "train.log"), 0)
      << read_file(dir / "train.log");
  const auto summary = read_json(dir / "run/summary.json");
  EXPECT_EQ(summary["backbone"]["feature_dim"], feature_dim);
  // Any family's top block unfreezes by its parameter names (then tl-export below carries it).
  EXPECT_EQ(summary["fine_tune"]["unfrozen_blocks"].size(), 1u) << summary["fine_tune"];
  // Each family's forward is the chain of its modules: fine-tuning runs from the cached frozen prefix.
  EXPECT_EQ(summary["fine_tune"]["frozen_prefix"]["used"], true) << summary["fine_tune"];
  const auto metrics = read_json_lines(dir / "run/metrics.jsonl");
  ASSERT_EQ(metrics.size(), 6u);
  EXPECT_EQ(metrics.back()["stage"], "fine_tune");
  EXPECT_LT(metrics.back()["train_loss"].get<double>(), metrics.front()["train_loss"].get<double>());

  // tl-export checks the module reproduces tl's outputs before writing it; PyTorch must load and run it.
  ASSERT_EQ(run_command(kExport + " --run " + (dir / "run").string() + " --checkpoint " +
                            (dir / "run/last.pt").string() + " --out " + (dir / "classifier.pt").string(),
                        dir / "export.log"),
            0)
      << read_file(dir / "export.log");
  const auto python = run_exported_in_python(dir / "classifier.pt", {dir / "data/Cat/0.jpg"}, dir.path());
  ASSERT_EQ(python.size(), 1u);
  EXPECT_EQ(python[0]["outputs"].size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Families, RealDataExportedFamily,
                         ::testing::Values(std::pair<std::string, int>{"vgg11", 25088},
                                           std::pair<std::string, int>{"resnet18", 512},
                                           std::pair<std::string, int>{"mobilenet_v3_small", 576}),
                         [](const ::testing::TestParamInfo<std::pair<std::string, int>>& param_info) {
                           return param_info.param.first;
                         });

// train.folds lists the training images whose label the out-of-fold probabilities doubt: in a copy of
// Oxford's trainval photos as a class-per-folder tree, 20 photos filed under a wrong breed are found
// among the first 20 listed (at least 14 of them, as the issue asked; 19 when written).
TEST(RealDataLabelIssues, WrongLabelsComeFirst) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  std::ifstream trainval(tl::testing::oxford_pets_root() / "annotations/trainval.txt");
  std::vector<std::pair<std::string, int>> photos;  // name, breed (1-based, as the file numbers them)
  for (std::string line; std::getline(trainval, line);) {
    std::istringstream fields(line);
    std::string name;
    int breed = 0;
    if (line.empty() || line[0] == '#' || !(fields >> name >> breed)) continue;
    photos.emplace_back(name, breed);
  }
  ASSERT_GT(photos.size(), 400u);
  std::set<std::string> mislabelled;
  for (size_t i = 0; i < photos.size(); ++i) {
    auto [name, breed] = photos[i];
    // Every 26th photo goes to the breed 1 + 7i further on (never its own: 37 breeds, 7i mod 37 != 36).
    if (i % 26 == 13 && mislabelled.size() < 20) {
      breed = 1 + (breed - 1 + 1 + static_cast<int>(7 * i) % 36) % 37;
      mislabelled.insert(name + ".jpg");
    }
    const auto folder = dir / "data" / ("breed_" + std::to_string(breed));
    std::filesystem::create_directories(folder);
    std::filesystem::create_symlink(tl::testing::oxford_pets_root() / "images" / (name + ".jpg"),
                                    folder / (name + ".jpg"));
  }
  ASSERT_EQ(mislabelled.size(), 20u);
  write_file(dir / "experiment.yaml",
             "name: label_issues\nseed: 0\n"
             "data: {layout: image_folder, root: data, val_fraction: 0.1, test_fraction: 0}\n"
             "model:\n  backbone: " +
                 (tl::testing::model_dir("mobilenet_v2_1.0_224_ptq") / "backbone.pt").string() +
                 "\n  head: {type: logistic, l2: [0.001, 0.01, 0.1]}\n"
                 "train: {folds: 5}\n");
  ASSERT_EQ(run_command(kTrain + " --config " + (dir / "experiment.yaml").string() + " -o " + (dir / "run").string(),
                        dir / "train.log"),
            0)
      << read_file(dir / "train.log");
  const auto issues = read_json(dir / "run/label_issues.json");
  EXPECT_EQ(issues["images_checked"], photos.size());
  ASSERT_GE(issues["issues"].size(), 20u);
  int found = 0;
  for (size_t i = 0; i < 20; ++i) {
    found +=
        mislabelled.count(std::filesystem::path(issues["issues"][i]["path"].get<std::string>()).filename().string());
  }
  EXPECT_GE(found, 14) << issues["issues"].dump(1);

  // tl-info and the report show them, most doubtful first.
  const std::string first = issues["issues"][0]["path"];
  ASSERT_EQ(run_command(kInfo + " run " + (dir / "run").string() + " --label-issues 3", dir / "info.log"), 0)
      << read_file(dir / "info.log");
  const std::string info = read_file(dir / "info.log");
  EXPECT_NE(info.find("labels  " + std::to_string(issues["issues"].size()) + " of " + std::to_string(photos.size())),
            std::string::npos)
      << info;
  EXPECT_NE(info.find(first), std::string::npos) << info;
  const std::string report = read_file(dir / "run/report.html");
  const size_t section = report.find("<section id=\"label-issues\">");
  ASSERT_NE(section, std::string::npos);
  EXPECT_NE(report.find(std::filesystem::path(first).filename().string(), section), std::string::npos);
}

// Real photos the Cats-vs-Dogs runs never trained on: about `count` of Oxford's cats and dogs, every
// breed's share, of several sizes.
std::vector<std::filesystem::path> oxford_photos_spread(size_t count) {
  std::vector<std::filesystem::path> all;
  for (const auto& entry : std::filesystem::directory_iterator(tl::testing::oxford_pets_root() / "images")) {
    if (entry.path().extension() == ".jpg") all.push_back(entry.path());
  }
  std::sort(all.begin(), all.end());
  std::vector<std::filesystem::path> photos;
  for (size_t i = 0; i < all.size(); i += all.size() / count + 1) photos.push_back(all[i]);
  return photos;
}

TEST(RealDataExport, ExportedCatsVsDogsModelAgreesWithTlPredictInPyTorch) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  const auto run = trained_real_run("cats_vs_dogs.yaml");
  ASSERT_EQ(
      run_command(kExport + " --run " + run.string() + " --out " + (dir / "cats_vs_dogs.pt").string() + " --softmax",
                  dir / "export.log"),
      0)
      << read_file(dir / "export.log");
  const auto images = oxford_photos_spread(24);
  expect_same_predictions(predict(run, images, dir.path()),
                          run_exported_in_python(dir / "cats_vs_dogs.pt", images, dir.path()), {"Cat", "Dog"}, 0.02);
}

// The shipped Cats-vs-Dogs recipe (MobileNetV2, whose TF padding is computed at run time, and flips)
// as ONNX: OpenCV's DNN gives tl-predict's classes and probabilities on real photos.
TEST(RealDataExport, OnnxGraphOfCatsVsDogsRunsInOpenCvLikeTlPredict) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  const auto run = trained_real_run("cats_vs_dogs.yaml");
  ASSERT_EQ(run_command(kExport + " --run " + run.string() + " --out " + (dir / "cats_vs_dogs.onnx").string(),
                        dir / "export.log"),
            0)
      << read_file(dir / "export.log");
  const auto images = oxford_photos_spread(24);
  expect_same_predictions(predict(run, images, dir.path()),
                          run_exported_in_python(dir / "cats_vs_dogs.onnx", images, dir.path()), {"Cat", "Dog"}, 0.02);
}

TEST(RealDataSweep, ExampleSweepRanksTwoBackbonesAndPassesItsGate) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  ASSERT_EQ(run_command(kSweep + " " + (kConfigs / "cats_vs_dogs_sweep.yaml").string() + " --dir " +
                            (dir / "sweep").string() + " --fail-under mean_per_class=0.8",
                        dir / "table.md", dir / "sweep.log"),
            0)
      << read_file(dir / "sweep.log");
  std::cout << read_file(dir / "table.md");
  const auto results = read_json(dir / "sweep/results.json");
  ASSERT_EQ(results["variants"].size(), 4u);
  EXPECT_NE(results["variants"][0]["values"]["model.backbone"].get<std::string>().find("mobilenet_v2_1.0_224"),
            std::string::npos)
      << "MobileNetV2 at 224 px beats MobileNetV1 0.25 at 128 px";
  EXPECT_GE(results["variants"][0]["metrics"]["top1"].get<double>(), 0.97);
}

// The list layout on real data: Oxford's species written as a CSV of absolute paths with the official
// splits (train lines for trainval) trains the very run oxford_pets_species.yaml trains (same samples,
// same split, same features), and tl-eval reads the same list as another dataset.
TEST(RealDataListLayout, AnOxfordListTrainsTheSameRunAsTheOxfordLayout) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  const auto root = tl::testing::oxford_pets_root();
  std::string csv = "path,label,split\n";
  for (const auto& [file, split] : {std::pair{"trainval.txt", "train"}, std::pair{"test.txt", "test"}}) {
    std::istringstream lines(read_file(root / "annotations" / file));
    for (std::string line; std::getline(lines, line);) {
      std::istringstream fields(line);
      std::string image, class_id, species;
      if (!(fields >> image >> class_id >> species)) continue;
      csv +=
          (root / "images" / (image + ".jpg")).string() + "," + (species == "1" ? "cat" : "dog") + "," + split + "\n";
    }
  }
  write_file(dir / "species.csv", csv);
  const auto run = dir / "run";
  ASSERT_EQ(run_command(kTrain + " --config " + (kConfigs / "oxford_pets_species.yaml").string() +
                            " --set data.layout=list --set data.root=" + (dir / "species.csv").string() +
                            " --set data.target=null --set output.dir=" + run.string(),
                        dir / "train.log"),
            0)
      << read_file(dir / "train.log");
  const auto listed = read_json(run / "summary.json");
  const auto oxford = read_json(trained_real_run("oxford_pets_species.yaml") / "summary.json");
  EXPECT_EQ(listed["samples"], oxford["samples"]);
  EXPECT_EQ(listed["classes"], oxford["classes"]);
  EXPECT_EQ(listed["head_fit"]["chosen_l2"], oxford["head_fit"]["chosen_l2"]);
  const auto listed_test = evaluate(run, "test", dir / "listed.json");
  const auto oxford_test = evaluate(trained_real_run("oxford_pets_species.yaml"), "test", dir / "oxford.json");
  EXPECT_EQ(listed_test["samples"], 136);
  EXPECT_EQ(listed_test["confusion_matrix"], oxford_test["confusion_matrix"]);

  ASSERT_EQ(run_command(kEval + " --run " + trained_real_run("oxford_pets_species.yaml").string() + " --data-root " +
                            (dir / "species.csv").string() + " --layout list --out " + (dir / "other.json").string(),
                        dir / "other.log"),
            0)
      << read_file(dir / "other.log");
  EXPECT_EQ(read_json(dir / "other.json")["confusion_matrix"], oxford_test["confusion_matrix"])
      << "the list's test lines, evaluated as another dataset";
}

// The shards layout on real data: each shipped dataset written by tl-shard with its config's split
// (train-, val-, test- shards) trains the run its loose files train (same samples, split, L2 choice)
// and scores the same on its test split.
TEST(RealDataShardLayout, ShardedDatasetsTrainTheRunsOfTheirLooseFiles) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  for (const std::string config : {"cats_vs_dogs.yaml", "oxford_pets_breeds.yaml"}) {
    SCOPED_TRACE(config);
    const auto shards = dir / ("shards_" + config);
    ASSERT_EQ(
        run_command(kShard + " --config " + (kConfigs / config).string() + " --shard-size 16M --out " + shards.string(),
                    dir / "shard.txt", dir / "shard.log"),
        0)
        << read_file(dir / "shard.log");
    const auto run = dir / ("run_" + config);
    ASSERT_EQ(run_command(kTrain + " --config " + (kConfigs / config).string() +
                              " --set data.layout=shards --set data.target=null --set data.root=" + shards.string() +
                              " --set output.dir=" + run.string(),
                          dir / "train.log"),
              0)
        << read_file(dir / "train.log");
    const auto sharded = read_json(run / "summary.json");
    const auto loose = read_json(trained_real_run(config) / "summary.json");
    EXPECT_EQ(sharded["samples"], loose["samples"]);
    EXPECT_EQ(sharded["classes"], loose["classes"]);
    EXPECT_EQ(sharded["head_fit"]["chosen_l2"], loose["head_fit"]["chosen_l2"]);
    const auto sharded_test = evaluate(run, "test", dir / "sharded.json");
    const auto loose_test = evaluate(trained_real_run(config), "test", dir / "loose.json");
    EXPECT_EQ(sharded_test["samples"], loose_test["samples"]);
    EXPECT_EQ(sharded_test["confusion_matrix"], loose_test["confusion_matrix"]);
    std::cout << config << ": test top-1 " << sharded_test["top1"] << " from shards, " << loose_test["top1"]
              << " from loose files\n";
  }
}

TEST(RealDataMapping, CatsVsDogsRunEvaluatesOxfordSpeciesByClassName) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  // The point is the Cat/cat, Dog/dog mapping on real data.
  const auto run = trained_real_run("cats_vs_dogs.yaml");
  ASSERT_EQ(run_command(kEval + " --run " + run.string() + " --data-root " + tl::testing::oxford_pets_root().string() +
                            " --layout oxford_pets --target species --out " + (dir / "eval.json").string(),
                        dir / "eval.log"),
            0)
      << read_file(dir / "eval.log");
  const auto report = read_json(dir / "eval.json");
  EXPECT_EQ(report["samples"], 136) << "the official test lines";
  EXPECT_EQ(report["confusion_matrix"]["classes"], nlohmann::json({"Cat", "Dog"}));
  EXPECT_GE(report["top1"].get<double>(), 0.9);
}

// tl-attack and tl-dream with real ImageNet weights (../shared/models) on real photos.
const char* kImageNetModel = "mobilenet_v2_1.0_224_ptq";

// The largest per-pixel change between two 8-bit images of the same size, read back from the PNGs.
double largest_pixel_change(const std::filesystem::path& a, const std::filesystem::path& b) {
  const cv::Mat first = cv::imread(a.string(), cv::IMREAD_COLOR), second = cv::imread(b.string(), cv::IMREAD_COLOR);
  EXPECT_FALSE(first.empty()) << a;
  EXPECT_EQ(first.size(), second.size());
  cv::Mat difference;
  cv::absdiff(first, second, difference);
  double largest = 0;
  cv::minMaxLoc(difference.reshape(1), nullptr, &largest);
  return largest;
}

TEST(RealDataAttack, TargetedAttackMakesAnImageNetModelSeeACatInDogPhotos) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  const auto model = tl::testing::model_dir(kImageNetModel) / "model.pt";
  int reached = 0;
  const int photos = 5;
  for (int i = 0; i < photos; ++i) {
    const auto photo = tl::testing::cats_vs_dogs_root() / "PetImages/Dog" / (std::to_string(i) + ".jpg");
    const auto out = dir / ("dog" + std::to_string(i) + ".png");
    ASSERT_EQ(run_command(kAttack + " --model " + model.string() + " " + photo.string() +
                              " --target tabby --epsilon 8 --step-size 2 --steps 10 -o " + out.string(),
                          dir / "attack.log"),
              0)
        << read_file(dir / "attack.log");
    const auto report = read_json(dir / ("dog" + std::to_string(i) + ".json"));
    EXPECT_EQ(report["target"]["name"], "tabby, tabby cat");
    EXPECT_LT(report["target"]["source_probability"].get<double>(), 0.05) << photo << " is a dog photo";
    if (report["target"]["result_probability"].get<double>() >= 0.5) ++reached;
    EXPECT_LE(report["linf"].get<double>(), 8.0);
    EXPECT_LE(largest_pixel_change(dir / ("dog" + std::to_string(i) + "_source.png"), out), 8.0)
        << "the saved images differ by at most epsilon";
    EXPECT_TRUE(std::filesystem::exists(dir / ("dog" + std::to_string(i) + "_perturbation.png")));
  }
  EXPECT_GE(reached, photos - 1) << "target probability >= 0.5 for most photos";

  EXPECT_EQ(run_command(kAttack + " --model " + model.string() + " " +
                            (tl::testing::cats_vs_dogs_root() / "PetImages/Dog/0.jpg").string() +
                            " --target kitty -o " + (dir / "x.png").string(),
                        dir / "unknown.log"),
            1);
  EXPECT_NE(read_file(dir / "unknown.log").find("class \"kitty\" is not one of the 1001 classes"), std::string::npos);
  EXPECT_EQ(run_command(kAttack + " --model " + model.string() + " " +
                            (tl::testing::cats_vs_dogs_root() / "PetImages/Dog/0.jpg").string() + " -o " +
                            (dir / "x.png").string(),
                        dir / "no_target.log"),
            2)
      << "pgd needs a target";
}

TEST(RealDataAttack, DogToCatOnATrainedCatsVsDogsRun) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  const auto run = trained_real_run("cats_vs_dogs.yaml");
  int reached = 0;
  const int photos = 3;
  for (const char* name : {"beagle_10.jpg", "beagle_117.jpg", "beagle_121.jpg"}) {
    const auto photo = tl::testing::oxford_pets_root() / "images" / name;
    ASSERT_EQ(run_command(kAttack + " --run " + run.string() + " " + photo.string() +
                              " --target Cat --epsilon 8 --steps 10 -o " + (dir / "adversarial.png").string(),
                          dir / "attack.log"),
              0)
        << read_file(dir / "attack.log");
    const auto report = read_json(dir / "adversarial.json");
    EXPECT_EQ(report["source_top5"][0]["class"], "Dog") << photo;
    if (report["result_top5"][0]["class"] == "Cat" && report["target"]["result_probability"].get<double>() >= 0.5) {
      ++reached;
    }
    EXPECT_LE(report["linf"].get<double>(), 8.0);
  }
  EXPECT_GE(reached, photos - 1);

  // FGSM: one step away from the photo's own class.
  ASSERT_EQ(run_command(kAttack + " --run " + run.string() + " " +
                            (tl::testing::oxford_pets_root() / "images/beagle_10.jpg").string() +
                            " --method fgsm --epsilon 4 -o " + (dir / "fgsm.png").string(),
                        dir / "fgsm.log"),
            0)
      << read_file(dir / "fgsm.log");
  const auto fgsm = read_json(dir / "fgsm.json");
  EXPECT_LE(fgsm["linf"].get<double>(), 4.0);
  EXPECT_LT(fgsm["result_top5"][0]["class"] == "Dog" ? fgsm["result_top5"][0]["probability"].get<double>() : 0.0,
            fgsm["source_top5"][0]["probability"].get<double>())
      << "the step lowers the confidence in the photo's own class";
}

// The bar of #14: a tree with every kind of hostile file mixed into real photos. Each tool finishes
// (or refuses one bad explicit argument in one line), every bad file is skipped with its reason,
// no process of any tool goes above 1 GB with the small backbone, and the run is complete.
TEST(RealDataHostileTree, EveryToolFinishesWithinBoundsAndSkipsEveryBadFile) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  const auto images = tl::testing::oxford_pets_root() / "images";
  std::map<std::string, int> copied;
  for (const auto& entry : std::filesystem::directory_iterator(images)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("Abyssinian_", 0) == 0) continue;  // the GIF and PNG named .jpg live there
    const std::string species = std::isupper(static_cast<unsigned char>(name[0])) ? "Cat" : "Dog";
    if (entry.path().extension() != ".jpg" || copied[species] >= 16) continue;
    std::filesystem::create_directories(dir / "tree" / species);
    std::filesystem::copy_file(entry.path(), dir / "tree" / species / name);
    ++copied[species];
  }
  const auto cats = dir / "tree/Cat";
  const auto photo = std::filesystem::directory_iterator(cats)->path();
  const std::string jpeg = read_file(photo);
  ASSERT_EQ(::mkfifo((cats / "fifo.jpg").c_str(), 0600), 0);
  std::filesystem::create_symlink("/dev/zero", cats / "zero.jpg");
  std::filesystem::create_symlink(cats / "loop.jpg", cats / "loop.jpg");
  std::filesystem::create_symlink(dir / "missing.jpg", cats / "dangling.jpg");
  std::filesystem::create_directories(cats / "folder.jpg");
  std::string bomb = tl::testing::encode(tl::testing::synthetic_picture(64, 64), "png");
  for (int i = 0; i < 8; ++i) bomb[16 + i] = "\x00\x00\x75\x30\x00\x00\x75\x30"[i];  // 30000 x 30000
  write_file(cats / "bomb.jpg", bomb);
  std::string lying = jpeg;
  const size_t frame = std::min(lying.find("\xFF\xC0"), lying.find("\xFF\xC2"));
  ASSERT_NE(frame, std::string::npos);
  lying.replace(frame + 5, 4, std::string("\x27\x10\x27\x10", 4));  // 10000 x 10000, under the pixel limit
  write_file(cats / "lying.jpg", lying);
  write_file(cats / "cut.jpg", jpeg.substr(0, jpeg.size() / 2) + "\xFF\xD9");
  write_file(cats / "empty.jpg", "");
  write_file(cats / "text.jpg", "not an image");
  write_file(cats / "huge.jpg", jpeg);
  std::filesystem::resize_file(cats / "huge.jpg", 300ull << 20);  // sparse: 300 MB that take no disk
  std::filesystem::copy_file(photo, cats / "caf\xe9.jpg");
  const std::set<std::string> hostile = {"fifo.jpg",  "zero.jpg", "loop.jpg",  "dangling.jpg", "bomb.jpg",
                                         "lying.jpg", "cut.jpg",  "empty.jpg", "text.jpg",     "huge.jpg"};

  write_file(dir / "experiment.yaml",
             "name: hostile\nseed: 1\nthreads: 2\ncache_dir: cache\n"
             "data: {layout: image_folder, root: tree, val_fraction: 0.25, test_fraction: 0}\n"
             "model: {backbone: " +
                 (tl::testing::model_dir("mobilenet_v1_0.25_128_quant") / "backbone.pt").string() +
                 ", head: {type: linear}}\ntrain: {epochs: 3}\noutput: {dir: run}\n");
  const auto run = dir / "run";
  ASSERT_EQ(run_command(kTrain + " --config " + (dir / "experiment.yaml").string(), dir / "train.log"), 0)
      << read_file(dir / "train.log");
  std::map<std::string, std::string> reasons;
  for (const auto& file : read_json(run / "skipped.json")) {
    reasons[std::filesystem::path(file["path"].get<std::string>()).filename().string()] = file["reason"];
  }
  for (const auto& name : hostile) {
    EXPECT_FALSE(reasons[name].empty()) << name << " is not listed as skipped: " << read_file(run / "skipped.json");
  }
  EXPECT_EQ(reasons.size(), hostile.size()) << "the photos, the non-UTF-8 one included, are used";
  const auto summary = read_json(run / "summary.json");
  EXPECT_EQ(summary["samples"]["train"].get<int>() + summary["samples"]["val"].get<int>(), 33)
      << "16 dog and 17 cat photos";
  EXPECT_EQ(reasons["lying.jpg"].rfind("JPEG refused by libjpeg: ", 0), 0u) << reasons["lying.jpg"];
  EXPECT_EQ(reasons["huge.jpg"], "file too large: 314572800 bytes (limit 268435456)");
  for (const char* file : {"config.json", "classes.json", "metrics.jsonl", "best.pt", "last.pt", "summary.json",
                           "skipped.json", "report.html"}) {
    EXPECT_TRUE(std::filesystem::is_regular_file(run / file)) << file;
  }
  EXPECT_EQ(read_json_lines(run / "metrics.jsonl").size(), 3u);
  const std::string train_log = read_file(dir / "train.log");
  for (const char* libjpeg : {"\nCorrupt JPEG", "\nPremature end", "\nWarning: "})
    EXPECT_EQ(train_log.find(libjpeg), std::string::npos) << "libjpeg kept off the terminal: " << train_log;

  ASSERT_EQ(run_command(kEval + " --run " + run.string() + " --split val", dir / "eval.log"), 0)
      << read_file(dir / "eval.log");
  EXPECT_EQ(run_command(kPredict + " --run " + run.string() + " --json " + photo.string() + " " +
                            (cats / "caf\xe9.jpg").string(),
                        dir / "predict.json", dir / "predict.log"),
            0)
      << read_file(dir / "predict.log");
  EXPECT_EQ(read_json(dir / "predict.json").size(), 2u);
  EXPECT_EQ(run_command(kAttack + " --run " + run.string() + " " + photo.string() +
                            " --target Dog --epsilon 8 --steps 3 -o " + (dir / "attack.png").string(),
                        dir / "attack.log"),
            0)
      << read_file(dir / "attack.log");
  EXPECT_EQ(run_command(kDream + " --run " + run.string() + " --target Dog --size 64 --steps 3 -o " +
                            (dir / "dream.png").string(),
                        dir / "dream.log"),
            0)
      << read_file(dir / "dream.log");
  for (const auto& name : hostile) {
    const auto bad = (cats / name).string();
    for (const std::string& command :
         {kPredict + " --run " + run.string() + " " + bad,
          kAttack + " --run " + run.string() + " " + bad + " --target Dog --steps 1 -o " + (dir / "x.png").string(),
          kDream + " --run " + run.string() + " --target Dog --steps 1 --from " + bad + " -o " +
              (dir / "y.png").string()}) {
      const int code = run_command(command, dir / "bad.log");
      const std::string log = read_file(dir / "bad.log");
      EXPECT_TRUE(code == 1 || code == 2) << command << " exited " << code << "\n" << log;
      EXPECT_LE(std::count(log.begin(), log.end(), '\n'), 3) << command << "\n" << log;
    }
  }
  rusage children{};
  ASSERT_EQ(::getrusage(RUSAGE_CHILDREN, &children), 0);
  std::cout << "[ hostile ] largest tool process: " << children.ru_maxrss / 1024 << " MB\n";
  EXPECT_LT(children.ru_maxrss, 1024L * 1024) << "kilobytes: some tool went above 1 GB";
}

TEST(RealDataDream, TotalVariationMakesTheClassImageSmoothAtComparableProbability) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  const auto model = tl::testing::model_dir(kImageNetModel) / "model.pt";
  // 112 px keeps it quick: the network is fully convolutional with global pooling.
  const std::string common =
      kDream + " --model " + model.string() + " --target \"Siamese cat\" --size 112 --steps 100 --lr 0.03 --seed 1 ";
  ASSERT_EQ(run_command(common + "--tv-weight 0 -o " + (dir / "plain.png").string(), dir / "plain.log"), 0)
      << read_file(dir / "plain.log");
  ASSERT_EQ(run_command(common + "--tv-weight 0.03 --snapshot-every 50 -o " + (dir / "smooth.png").string(),
                        dir / "smooth.log"),
            0)
      << read_file(dir / "smooth.log");
  const auto plain = read_json(dir / "plain.json"), smooth = read_json(dir / "smooth.json");
  std::cout << "[ dream ] without TV: p " << plain["target_probability"] << ", TV " << plain["total_variation"]
            << "; with TV: p " << smooth["target_probability"] << ", TV " << smooth["total_variation"] << "\n";
  EXPECT_GE(plain["target_probability"].get<double>(), 0.9);
  EXPECT_GE(smooth["target_probability"].get<double>(), 0.9);
  EXPECT_LT(smooth["total_variation"].get<double>(), 0.5 * plain["total_variation"].get<double>());

  EXPECT_EQ(smooth["target"]["name"], "Siamese cat, Siamese");
  const auto& log = smooth["log"];
  ASSERT_EQ(log.size(), 11u) << "step 1, every 10th step";
  EXPECT_EQ(log.back()["step"], 100);
  EXPECT_LT(log.back()["cross_entropy"].get<double>(), log.front()["cross_entropy"].get<double>());
  for (const char* snapshot : {"smooth_step00050.png", "smooth_step00100.png"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / snapshot)) << snapshot;
  }
  const cv::Mat image = cv::imread((dir / "smooth.png").string());
  EXPECT_EQ(image.rows, 112);
  EXPECT_EQ(image.cols, 112);
}

}  // namespace
