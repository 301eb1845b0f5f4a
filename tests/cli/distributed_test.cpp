// tl-train and tl-eval as several processes (c10d/Gloo over loopback): --nproc, separate launches
// with torchrun's variables, a rank killed mid-run, and the settings that must fail fast and clearly.
// Two ranks must train like one: the same validation accuracy every epoch, losses and predicted
// probabilities within 1e-4 (the only difference is the order floats are summed in).
#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include "support/fixtures.hpp"
#include "support/other_program.hpp"
#include "support/shared_data.hpp"
#include "support/temp_directory.hpp"

namespace {

namespace fs = std::filesystem;
using tl::testing::BackgroundCommand;
using tl::testing::OtherProgram;
using tl::testing::read_file;
using tl::testing::run_command;
using tl::testing::TempDirectory;
using tl::testing::write_file;

const std::string kTrain = TL_TRAIN_EXE;
const std::string kEval = TL_EVAL_EXE;
const std::string kPredict = TL_PREDICT_EXE;
const std::string kShard = TL_SHARD_EXE;
const fs::path kConfigs = TL_CONFIGS_DIR;
// Two epochs of the head, then two that fine-tune the last block on augmented images.
const std::string kFineTune =
    "--set train.epochs=2 --set train.fine_tune.epochs=2 --set train.fine_tune.unfreeze_blocks=1 "
    "--set train.fine_tune.lr=0.01 --set train.label_smoothing=0.1 --set train.class_weights=balanced "
    "--set train.clip_grad_norm=1.0 --set train.augmentation.horizontal_flip=true";

std::vector<nlohmann::json> metrics_of(const fs::path& run) {
  std::vector<nlohmann::json> lines;
  std::istringstream text(read_file(run / "metrics.jsonl"));
  for (std::string line; std::getline(text, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// The same epochs: equal validation accuracy, losses within 1e-4.
void expect_same_training(const fs::path& one, const fs::path& two) {
  const auto a = metrics_of(one), b = metrics_of(two);
  ASSERT_EQ(a.size(), b.size());
  for (size_t e = 0; e < a.size(); ++e) {
    EXPECT_EQ(a[e]["val_accuracy"], b[e]["val_accuracy"]) << "epoch " << e + 1;
    EXPECT_EQ(a[e]["train_accuracy"], b[e]["train_accuracy"]) << "epoch " << e + 1;
    EXPECT_NEAR(a[e]["train_loss"].get<double>(), b[e]["train_loss"].get<double>(), 1e-4) << "epoch " << e + 1;
    EXPECT_NEAR(a[e]["val_loss"].get<double>(), b[e]["val_loss"].get<double>(), 1e-4) << "epoch " << e + 1;
    EXPECT_EQ(a[e]["stage"], b[e]["stage"]);
  }
}

// tl-predict's probabilities of every class for `images` from both runs agree within 1e-4: the
// trained weights are the same.
void expect_same_predictions(const fs::path& one, const fs::path& two, const std::vector<fs::path>& images,
                             const fs::path& work) {
  std::string list;
  for (const auto& image : images) list += " " + image.string();
  ASSERT_EQ(
      run_command(kPredict + " --run " + one.string() + " --json -k 100" + list, work / "one.json", work / "p1.log"),
      0);
  ASSERT_EQ(
      run_command(kPredict + " --run " + two.string() + " --json -k 100" + list, work / "two.json", work / "p2.log"),
      0);
  const auto a = nlohmann::json::parse(read_file(work / "one.json"));
  const auto b = nlohmann::json::parse(read_file(work / "two.json"));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    for (size_t k = 0; k < a[i]["predictions"].size(); ++k) {
      EXPECT_EQ(a[i]["predictions"][k]["class"], b[i]["predictions"][k]["class"]);
      EXPECT_NEAR(a[i]["predictions"][k]["probability"].get<double>(),
                  b[i]["predictions"][k]["probability"].get<double>(), 1e-4);
    }
  }
}

class Distributed : public ::testing::Test {
 protected:
  void SetUp() override {
    images = tl::testing::make_image_folder(dir / "data", {"blue", "green", "red"}, 14, 40);
    write_file(dir / "data/red/broken.jpg", "not an image");
    fs::copy_file(tl::testing::tiny_backbones() / "tiny.pt", dir / "tiny.pt");
    fs::copy_file(tl::testing::tiny_backbones() / "tiny.json", dir / "tiny.json");
    // No cache: each run computes its own features, so two ranks cannot borrow one rank's.
    write_file(dir / "experiment.yaml", R"(name: distributed
seed: 11
threads: 1
cache: off
data: {layout: image_folder, root: data, val_fraction: 0.25, test_fraction: 0.2, batch_size: 6, workers: 1}
model: {backbone: tiny.pt, head: {type: linear}}
train: {epochs: 4, batch_size: 10, optimizer: {name: adam, lr: 0.05}, schedule: {name: cosine}}
)");
  }

  int train(const std::string& output, const std::string& extra, const std::string& environment = "") {
    return run_command(environment + " " + kTrain + " --config " + (dir / "experiment.yaml").string() +
                           " --set output.dir=" + (dir / output).string() + " " + extra,
                       dir / (output + ".log"));
  }

  // Trains into `one` as one process and into `two` as two processes started apart, as on two
  // machines, each with `world` (the variables that make them one job) and its RANK; the same epochs.
  void train_as_two_launches(const std::string& world) {
    ASSERT_EQ(train("one", ""), 0) << read_file(dir / "one.log");
    BackgroundCommand second(world + " RANK=1 " + kTrain + " --config " + (dir / "experiment.yaml").string() +
                                 " --set output.dir=" + (dir / "two").string(),
                             dir / "rank1.log");
    ASSERT_EQ(train("two", "", world + " RANK=0"), 0) << read_file(dir / "two.log");
    EXPECT_EQ(second.wait(), 0) << read_file(dir / "rank1.log");
    expect_same_training(dir / "one", dir / "two");
  }

  TempDirectory dir;
  std::vector<fs::path> images;
};

TEST_F(Distributed, TwoRanksTrainAndEvaluateLikeOne) {
  ASSERT_EQ(train("one", ""), 0) << read_file(dir / "one.log");
  ASSERT_EQ(train("two", "--nproc 2"), 0) << read_file(dir / "two.log");
  const std::string log = read_file(dir / "two.log");
  EXPECT_NE(log.find("starting 2 ranks on this machine (they meet through "), std::string::npos) << log;
  EXPECT_NE(log.find("[rank 0] "), std::string::npos) << log;
  expect_same_training(dir / "one", dir / "two");
  expect_same_predictions(dir / "one", dir / "two", {images[0], images[20], images[40]}, dir.path());
  const auto summary = nlohmann::json::parse(read_file(dir / "two/summary.json"));
  EXPECT_EQ(summary["ranks"], 2);
  EXPECT_EQ(summary["samples"], nlohmann::json::parse(read_file(dir / "one/summary.json"))["samples"]);
  EXPECT_EQ(read_file(dir / "two/skipped.json"), read_file(dir / "one/skipped.json"));
  for (const auto& entry : fs::directory_iterator(dir / "two")) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }

  ASSERT_EQ(run_command(kEval + " --run " + (dir / "one").string() + " --out " + (dir / "one.json").string(),
                        dir / "eval1.log"),
            0);
  ASSERT_EQ(run_command(kEval + " --nproc 2 --run " + (dir / "two").string() + " --out " + (dir / "two.json").string(),
                        dir / "eval2.log"),
            0)
      << read_file(dir / "eval2.log");
  auto one = nlohmann::json::parse(read_file(dir / "one.json"));
  auto two = nlohmann::json::parse(read_file(dir / "two.json"));
  EXPECT_EQ(one["confusion_matrix"], two["confusion_matrix"]);
  EXPECT_EQ(one["top1"], two["top1"]);
  EXPECT_EQ(one["samples"], two["samples"]);
  EXPECT_EQ(one["skipped"], two["skipped"]) << "merged from the ranks";
  EXPECT_EQ(two["skipped"].size(), 1u) << "the broken photo is in the test split";
}

// With the losses' weighting, clipping and augmented views in play too.
// A shards dataset whose shard count does not divide by the ranks: each shard is read whole by one
// rank (three shards: rank 0 reads two), and the run is still the run of one process.
TEST_F(Distributed, TwoRanksReadingAnOddNumberOfShardsTrainLikeOne) {
  ASSERT_EQ(run_command(kShard + " " + (dir / "data").string() + " --layout image_folder --shard-size 24K --out " +
                            (dir / "shards").string(),
                        dir / "shard.log"),
            0)
      << read_file(dir / "shard.log");
  const auto manifest = nlohmann::json::parse(read_file(dir / "shards/manifest.json"));
  ASSERT_EQ(manifest["sets"]["data"].size() % 2, 1u) << manifest.dump(2);
  ASSERT_GE(manifest["sets"]["data"].size(), 3u) << manifest.dump(2);
  const std::string shards = "--set data.layout=shards --set data.root=" + (dir / "shards").string();
  ASSERT_EQ(train("one", shards), 0) << read_file(dir / "one.log");
  ASSERT_EQ(train("two", shards + " --nproc 2"), 0) << read_file(dir / "two.log");
  expect_same_training(dir / "one", dir / "two");
  EXPECT_EQ(nlohmann::json::parse(read_file(dir / "two/summary.json"))["samples"],
            nlohmann::json::parse(read_file(dir / "one/summary.json"))["samples"]);

  // Fine-tuning epochs that stream the shards through a shuffle buffer: the same on two ranks too.
  const std::string streamed = shards + " " + kFineTune + " --set data.shuffle_buffer=8";
  ASSERT_EQ(train("one_streamed", streamed), 0) << read_file(dir / "one_streamed.log");
  ASSERT_EQ(train("two_streamed", streamed + " --nproc 2"), 0) << read_file(dir / "two_streamed.log");
  expect_same_training(dir / "one_streamed", dir / "two_streamed");
  EXPECT_EQ(metrics_of(dir / "two_streamed").back()["stage"], "fine_tune");
}

TEST_F(Distributed, FineTuningWithTwoRanksMatchesOne) {
  ASSERT_EQ(train("one", kFineTune), 0) << read_file(dir / "one.log");
  ASSERT_EQ(train("two", kFineTune + " --nproc 2"), 0) << read_file(dir / "two.log");
  expect_same_training(dir / "one", dir / "two");
  EXPECT_EQ(metrics_of(dir / "two").back()["stage"], "fine_tune");
  expect_same_predictions(dir / "one", dir / "two", {images[1], images[15], images[30]}, dir.path());
}

// With BatchNorm training on batch statistics, each rank's running statistics follow its own share
// of the images; they are averaged every epoch, so the validation every rank computed is what the
// saved checkpoint gives in one process.
TEST_F(Distributed, TrainingBatchNormLeavesEveryRankWithTheSavedStatistics) {
  ASSERT_EQ(train("two",
                  "--set train.epochs=1 --set train.fine_tune.epochs=2 --set train.fine_tune.unfreeze_blocks=2 "
                  "--set train.fine_tune.bn=train --set train.fine_tune.lr=0.01 --set eval.calibration=none "
                  "--nproc 2"),
            0)
      << read_file(dir / "two.log");
  ASSERT_EQ(
      run_command(kEval + " --run " + (dir / "two").string() + " --split val --out " + (dir / "val.json").string(),
                  dir / "eval.log"),
      0)
      << read_file(dir / "eval.log");
  const auto evaluation = nlohmann::json::parse(read_file(dir / "val.json"));
  const auto summary = nlohmann::json::parse(read_file(dir / "two/summary.json"));
  ASSERT_EQ(summary["best"]["stage"], "fine_tune");
  const auto& losses = evaluation["highest_losses"];
  ASSERT_EQ(losses.size(), evaluation["samples"].get<size_t>()) << "every validation photo is listed";
  double loss_sum = 0;
  for (const auto& photo : losses) loss_sum += photo["loss"].get<double>();
  EXPECT_NEAR(loss_sum / static_cast<double>(losses.size()), summary["best"]["val_loss"].get<double>(), 1e-4);
  EXPECT_EQ(evaluation["top1"], summary["best"]["val_accuracy"]);
}

TEST_F(Distributed, TwoSeparateLaunchesFormOneJob) {
  // As on two machines: each process started by hand with its RANK, against one master.
  train_as_two_launches("env WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(free_port()) +
                        " TL_DIST_TIMEOUT=60");
}

// torchrun's static rendezvous (its default for --master_addr/--master_port) serves the store itself
// and tells the ranks to join it; tl's rank 0 once tried to serve the same port and failed to start.
TEST_F(Distributed, UnderTorchrunsAgentStoreTheRanksJoinIt) {
  const int port = free_port();
  BackgroundCommand agent(tl::testing::python() + " " +
                              (tl::testing::tests_dir() / "reference/agent_store.py").string() + " " +
                              std::to_string(port),
                          dir / "agent.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(dir / "agent.log") || read_file(dir / "agent.log").find("ready") == std::string::npos) {
    ASSERT_TRUE(agent.running()) << read_file(dir / "agent.log");
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  train_as_two_launches("env WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) +
                        " TORCHELASTIC_USE_AGENT_STORE=True TORCHELASTIC_RESTART_COUNT=0 TL_DIST_TIMEOUT=60");
}

// The pid of the process whose command line holds `marker` and whose environment says RANK=`rank`.
pid_t rank_process(const std::string& marker, int rank) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream command_line(entry.path() / "cmdline"), environment(entry.path() / "environ");
    const std::string command((std::istreambuf_iterator<char>(command_line)), {});
    const std::string variables((std::istreambuf_iterator<char>(environment)), {});
    if (command.find(marker) != std::string::npos &&
        variables.find(std::string("\0RANK=", 6) + std::to_string(rank) + '\0') != std::string::npos) {
      return static_cast<pid_t>(std::stoi(name));
    }
  }
  return -1;
}

TEST_F(Distributed, AKilledRankFailsTheJobWithinTheTimeoutAndTheRunResumes) {
  const std::string run = (dir / "two").string();
  BackgroundCommand job("env TL_DIST_TIMEOUT=20 " + kTrain + " --nproc 2 --config " +
                            (dir / "experiment.yaml").string() + " --set output.dir=" + run + " --set train.epochs=400",
                        dir / "job.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!(fs::exists(dir / "two/metrics.jsonl") && metrics_of(dir / "two").size() >= 3)) {
    ASSERT_TRUE(job.running()) << read_file(dir / "job.log");
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << read_file(dir / "job.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const pid_t victim = rank_process(run, 1);
  ASSERT_GT(victim, 0);
  const auto killed = std::chrono::steady_clock::now();
  ::kill(victim, SIGKILL);
  EXPECT_NE(job.wait(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - killed, std::chrono::seconds(60));
  const std::string log = read_file(dir / "job.log");
  EXPECT_NE(log.find("rank 1 was killed by signal 9"), std::string::npos) << log;
  EXPECT_NE(log.find("distributed"), std::string::npos) << "rank 0 says why it stopped\n" << log;
  for (const auto& entry : fs::directory_iterator(dir / "two")) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }

  const size_t done = metrics_of(dir / "two").size();
  ASSERT_EQ(run_command(kTrain + " --nproc 2 --resume " + run + " ", dir / "resume.log"), 0)
      << read_file(dir / "resume.log");
  EXPECT_EQ(metrics_of(dir / "two").size(), 400u);
  EXPECT_GE(done, 3u);
}

TEST_F(Distributed, AStalledRankFailsTheJobAfterTheTimeoutAndIsNamed) {
  const std::string run = (dir / "two").string();
  BackgroundCommand job("env TL_DIST_TIMEOUT=3 " + kTrain + " --nproc 2 --config " +
                            (dir / "experiment.yaml").string() + " --set output.dir=" + run + " --set train.epochs=400",
                        dir / "job.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!(fs::exists(dir / "two/metrics.jsonl") && metrics_of(dir / "two").size() >= 2)) {
    ASSERT_TRUE(job.running()) << read_file(dir / "job.log");
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << read_file(dir / "job.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const pid_t stalled = rank_process(run, 1);
  ASSERT_GT(stalled, 0);
  const auto stopped = std::chrono::steady_clock::now();
  ::kill(stalled, SIGSTOP);
  EXPECT_NE(job.wait(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, std::chrono::seconds(60));
  const std::string log = read_file(dir / "job.log");
  EXPECT_NE(log.find("TL_DIST_TIMEOUT=3 s"), std::string::npos) << log;
  EXPECT_NE(log.find("rank 1 did not end within 13 s of the failure"), std::string::npos) << log;
}

TEST_F(Distributed, BadSettingsFailFastWithOneClearLine) {
  const std::string train_command =
      kTrain + " --config " + (dir / "experiment.yaml").string() + " --set output.dir=" + (dir / "bad").string();
  EXPECT_EQ(run_command("WORLD_SIZE=2 " + train_command, dir / "no_rank.log"), 1);
  EXPECT_NE(read_file(dir / "no_rank.log").find("RANK is not set"), std::string::npos)
      << read_file(dir / "no_rank.log");

  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(run_command("WORLD_SIZE=2 RANK=1 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(free_port()) +
                            " TL_DIST_TIMEOUT=3 " + train_command,
                        dir / "no_master.log"),
            1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(60));
  EXPECT_NE(read_file(dir / "no_master.log").find("distributed start failed on rank 1 of 2"), std::string::npos)
      << read_file(dir / "no_master.log");

  // A port another program holds: rank 0 cannot serve there; rank 1 sent there finds a program that
  // stays silent (c10d's TCPStore waited past the timeout) or answers something else (it aborted).
  const OtherProgram silent("");
  const OtherProgram web("HTTP/1.1 400 Bad Request\r\n\r\n");
  const auto at_port = [&](int rank, int port, const std::string& log) {
    const auto asked = std::chrono::steady_clock::now();
    EXPECT_EQ(run_command("WORLD_SIZE=2 RANK=" + std::to_string(rank) + " MASTER_ADDR=127.0.0.1 MASTER_PORT=" +
                              std::to_string(port) + " TL_DIST_TIMEOUT=2 " + train_command,
                          dir / log),
              1);
    EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(30));
    return read_file(dir / log);
  };
  const std::string port_in_use = at_port(0, silent.port(), "port_in_use.log");
  EXPECT_NE(port_in_use.find("distributed start failed on rank 0 of 2"), std::string::npos) << port_in_use;
  EXPECT_NE(port_in_use.find("choose another MASTER_PORT"), std::string::npos) << port_in_use;
  const std::string silent_port = at_port(1, silent.port(), "silent_port.log");
  EXPECT_NE(silent_port.find("another program that stays silent holds that port"), std::string::npos) << silent_port;
  const std::string web_port = at_port(1, web.port(), "web_port.log");
  EXPECT_NE(web_port.find("is not a tl rendezvous: it answered \"H"), std::string::npos) << web_port;
  EXPECT_FALSE(fs::exists(dir / "bad/config.json")) << "nothing was written";

  EXPECT_EQ(run_command("WORLD_SIZE=2 " + train_command + " --nproc 2", dir / "both.log"), 2);
}

TEST_F(Distributed, CtrlCStopsEveryRankAfterTheEpochAndAnotherWorldSizeResumes) {
  const std::string run = (dir / "two").string();
  BackgroundCommand job(kTrain + " --nproc 2 --config " + (dir / "experiment.yaml").string() +
                            " --set output.dir=" + run + " --set train.epochs=400",
                        dir / "job.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!(fs::exists(dir / "two/metrics.jsonl") && metrics_of(dir / "two").size() >= 2)) {
    ASSERT_TRUE(job.running()) << read_file(dir / "job.log");
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << read_file(dir / "job.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  job.send(SIGINT);
  EXPECT_EQ(job.wait(), 130) << read_file(dir / "job.log");
  const std::string log = read_file(dir / "job.log");
  // Stopped at the end of an epoch (a second Ctrl-C would have ended the ranks at once, without this).
  EXPECT_NE(log.find("continue with tl-train --resume"), std::string::npos) << log;
  EXPECT_TRUE(fs::exists(dir / "two/last.pt"));
  const size_t done = metrics_of(dir / "two").size();
  EXPECT_LT(done, 400u);
  // Resumed as one process: the global batches are the same whatever the number of ranks, so the
  // run ends as an uninterrupted single-process run does.
  ASSERT_EQ(run_command(kTrain + " --resume " + run, dir / "resume.log"), 0) << read_file(dir / "resume.log");
  ASSERT_EQ(train("one", "--set train.epochs=400"), 0) << read_file(dir / "one.log");
  expect_same_training(dir / "one", dir / "two");
}

// Real photos, the real MobileNetV2: two ranks (one thread each) against one process (two threads),
// each with its own feature cache so neither reads the other's features.
TEST(DistributedRealData, TwoRanksMatchOneOnCatsVsDogs) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  const std::string config = (kConfigs / "cats_vs_dogs_linear.yaml").string() + " --set train.epochs=4";
  for (const std::string name : {"one", "two"}) {
    const std::string ranks = name == "two" ? " --nproc 2" : "";
    ASSERT_EQ(run_command(kTrain + ranks + " --config " + config + " --set output.dir=" + (dir / name).string() +
                              " --set cache_dir=" + (dir / ("cache_" + name)).string(),
                          dir / (name + ".log")),
              0)
        << read_file(dir / (name + ".log"));
    ASSERT_EQ(run_command(kEval + ranks + " --run " + (dir / name).string() + " --split test --out " +
                              (dir / (name + ".json")).string(),
                          dir / (name + "_eval.log")),
              0)
        << read_file(dir / (name + "_eval.log"));
  }
  expect_same_training(dir / "one", dir / "two");
  const auto one = nlohmann::json::parse(read_file(dir / "one.json"));
  const auto two = nlohmann::json::parse(read_file(dir / "two.json"));
  EXPECT_EQ(one["confusion_matrix"], two["confusion_matrix"]);
  std::cout << "[ distributed ] cats_vs_dogs test top-1: 1 rank " << one["top1"] << ", 2 ranks " << two["top1"] << "\n";
  const auto cats = tl::testing::cats_vs_dogs_root() / "PetImages/Cat";
  expect_same_predictions(dir / "one", dir / "two", {cats / "5.jpg", cats / "7.jpg"}, dir.path());
}

}  // namespace
