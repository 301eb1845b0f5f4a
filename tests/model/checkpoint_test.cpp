// Checkpoints: a reloaded head predicts exactly as before; its record and optimizer state survive;
// damaged or foreign files are clear errors.
#include "tl/model/checkpoint.hpp"

#include <csignal>

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include "support/head_config.hpp"
#include "support/temp_directory.hpp"
#include "tl/base/error.hpp"
#include "tl/model/optimizer.hpp"

namespace {

using tl::testing::TempDirectory;

tl::CheckpointRecord record_for(const tl::Head& head) {
  tl::CheckpointRecord record;
  record.epoch = 3;
  record.class_names = {"cat", "dog", "fox"};
  record.head = head->config();
  record.in_features = head->in_features();
  record.backbones = {{"/models/b.pt", std::string(64, 'a'), "size=32x32"}};
  record.metrics = {{"val_accuracy", 0.5}};
  return record;
}

void train_a_little(tl::Head& head, torch::optim::Optimizer& optimizer) {
  for (int step = 0; step < 3; ++step) {
    optimizer.zero_grad();
    torch::nn::functional::cross_entropy(head->forward(torch::randn({6, 12})), torch::randint(0, 3, {6}, torch::kInt64))
        .backward();
    optimizer.step();
  }
}

TEST(Checkpoint, RoundTripGivesIdenticalPredictions) {
  TempDirectory dir;
  torch::manual_seed(0);
  tl::Head head(12, 3, tl::testing::head_config(tl::HeadType::mlp, {16}, 0.3));
  auto optimizer = tl::make_optimizer({tl::OptimizerKind::adam, 0.01, 0, false, 0}, head->parameters());
  train_a_little(head, *optimizer);
  tl::save_checkpoint(dir / "c.pt", head, optimizer.get(), record_for(head));

  auto loaded = tl::load_checkpoint(dir / "c.pt", torch::kCPU);
  const auto features = torch::randn({10, 12});
  head->eval();
  EXPECT_TRUE(torch::equal(loaded.head->forward(features), head->forward(features)));
  EXPECT_EQ(loaded.record.class_names, (std::vector<std::string>{"cat", "dog", "fox"}));
  EXPECT_EQ(loaded.record.epoch, 3);
  EXPECT_EQ(loaded.record.head.hidden, (std::vector<int>{16}));
  EXPECT_EQ(loaded.record.backbones, record_for(head).backbones);
  EXPECT_EQ(loaded.record.metrics["val_accuracy"], 0.5);
}

TEST(Checkpoint, RecordsEveryBackboneOfAConcatenationInOrder) {
  TempDirectory dir;
  tl::Head head(12, 3, tl::testing::head_config(tl::HeadType::linear, {}, 0.0));
  tl::CheckpointRecord record = record_for(head);
  record.backbones = {{"/models/v2.pt", std::string(64, 'a'), "size=224x224"},
                      {"/models/v1.pt", std::string(64, 'b'), "size=128x128"}};
  tl::save_checkpoint(dir / "c.pt", head, nullptr, record);
  EXPECT_EQ(tl::load_checkpoint(dir / "c.pt", torch::kCPU).record.backbones, record.backbones);
}

// A full disk, as a file-size limit: LibTorch's file writer used to throw from its destructor here,
// ending the process with a stack trace and leaving its temporary file.
TEST(Checkpoint, AFullDiskIsAnErrorNamingTheFileAndKeepsTheOldCheckpoint) {
  TempDirectory dir;
  tl::Head head(12, 3, tl::testing::head_config(tl::HeadType::mlp, {256}, 0.3));
  tl::save_checkpoint(dir / "c.pt", head, nullptr, record_for(head));
  const auto saved_size = std::filesystem::file_size(dir / "c.pt");
  rlimit previous{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &previous), 0);
  const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);  // so the write fails with EFBIG instead
  rlimit small = previous;
  small.rlim_cur = 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string error;
  try {
    tl::save_checkpoint(dir / "c.pt", head, nullptr, record_for(head));
  } catch (const tl::Error& failure) {
    error = failure.what();
  }
  setrlimit(RLIMIT_FSIZE, &previous);
  std::signal(SIGXFSZ, previous_handler);
  EXPECT_EQ(error, (dir / "c.pt").string() + ": cannot write file: File too large");
  EXPECT_EQ(std::filesystem::file_size(dir / "c.pt"), saved_size);
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1u) << "no temporary file is left";
  EXPECT_NO_THROW(tl::load_checkpoint(dir / "c.pt", torch::kCPU));
}

TEST(Checkpoint, OptimizerStateResumesTheSameTrajectory) {
  TempDirectory dir;
  torch::manual_seed(0);
  tl::Head head(12, 3, tl::HeadConfig{});
  auto optimizer = tl::make_optimizer({tl::OptimizerKind::adam, 0.01, 0, false, 0}, head->parameters());
  train_a_little(head, *optimizer);
  tl::save_checkpoint(dir / "c.pt", head, optimizer.get(), record_for(head));

  auto resumed = tl::load_checkpoint(dir / "c.pt", torch::kCPU).head;
  resumed->train();
  auto resumed_optimizer = tl::make_optimizer({tl::OptimizerKind::adam, 0.01, 0, false, 0}, resumed->parameters());
  tl::load_optimizer_state(dir / "c.pt", *resumed_optimizer);

  torch::manual_seed(42);
  train_a_little(head, *optimizer);
  torch::manual_seed(42);
  train_a_little(resumed, *resumed_optimizer);
  const auto features = torch::randn({4, 12});
  EXPECT_TRUE(torch::allclose(resumed->forward(features), head->forward(features), 0, 0))
      << "Adam's moments must be restored, not restarted";
}

TEST(Checkpoint, DamagedAndForeignFilesAreClearErrors) {
  TempDirectory dir;
  auto error_of = [](const std::filesystem::path& path) -> std::string {
    try {
      tl::load_checkpoint(path, torch::kCPU);
    } catch (const tl::Error& error) {
      return error.what();
    }
    return "no error";
  };
  EXPECT_EQ(error_of(dir / "absent.pt"), (dir / "absent.pt").string() + ": checkpoint not found");
  tl::testing::write_file(dir / "garbage.pt", "not an archive");
  EXPECT_NE(error_of(dir / "garbage.pt").find("not a readable tl checkpoint"), std::string::npos);

  tl::Head head(12, 3, tl::HeadConfig{});
  tl::save_checkpoint(dir / "good.pt", head, nullptr, record_for(head));
  const std::string bytes = tl::testing::read_file(dir / "good.pt");
  tl::testing::write_file(dir / "truncated.pt", bytes.substr(0, bytes.size() / 2));
  EXPECT_NE(error_of(dir / "truncated.pt").find(dir.path().string() + "/truncated.pt: "), std::string::npos);

  // 64 flipped bytes inside the largest tensor used to load silently (and predict at chance).
  tl::Head wide(12, 3, tl::testing::head_config(tl::HeadType::mlp, {512}, 0.3));
  tl::save_checkpoint(dir / "wide.pt", wide, nullptr, record_for(wide));
  std::string flipped = tl::testing::read_file(dir / "wide.pt");
  for (size_t i = flipped.size() / 2; i < flipped.size() / 2 + 64; ++i) flipped[i] = static_cast<char>(~flipped[i]);
  tl::testing::write_file(dir / "flipped.pt", flipped);
  EXPECT_EQ(
      error_of(dir / "flipped.pt").rfind((dir / "flipped.pt").string() + ": not a readable tl checkpoint: entry ", 0),
      0u)
      << error_of(dir / "flipped.pt");
  EXPECT_NE(error_of(dir / "flipped.pt").find("CRC-32 mismatch"), std::string::npos) << error_of(dir / "flipped.pt");

  torch::serialize::OutputArchive foreign;
  foreign.write("weights", torch::zeros({2}));
  foreign.save_to((dir / "foreign.pt").string());
  EXPECT_EQ(error_of(dir / "foreign.pt"), (dir / "foreign.pt").string() + ": not a tl checkpoint (no record)");
}

}  // namespace

namespace {

TEST(Checkpoint, TunedBackboneTensorsRoundTripByName) {
  TempDirectory dir;
  tl::Head head(12, 3, tl::HeadConfig{});
  const tl::NamedTensors tuned = {{"features.18.conv.weight", torch::randn({4, 2, 1, 1})},
                                  {"features.18.bn.num_batches_tracked", torch::tensor(7, torch::kInt64)}};
  tl::save_checkpoint(dir / "tuned.pt", head, nullptr, record_for(head), tuned);
  const auto loaded = tl::load_checkpoint(dir / "tuned.pt", torch::kCPU);
  ASSERT_EQ(loaded.backbone_state.size(), 2u);
  for (size_t i = 0; i < tuned.size(); ++i) {
    EXPECT_EQ(loaded.backbone_state[i].first, tuned[i].first);
    EXPECT_TRUE(torch::equal(loaded.backbone_state[i].second, tuned[i].second));
  }
  tl::save_checkpoint(dir / "frozen.pt", head, nullptr, record_for(head));
  EXPECT_TRUE(tl::load_checkpoint(dir / "frozen.pt", torch::kCPU).backbone_state.empty());
}

}  // namespace
