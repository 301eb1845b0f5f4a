// The process group and the sharded backbone pass, with two ranks as two threads of this process
// talking c10d/Gloo over loopback (the CLI tests run real separate processes).
#include "tl/dist/process_group.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "support/error_of.hpp"
#include "support/fixtures.hpp"
#include "support/temp_directory.hpp"
#include "tl/base/error.hpp"
#include "tl/dist/local_launcher.hpp"
#include "tl/dist/rendezvous.hpp"
#include "tl/dist/sharded_features.hpp"
#include "tl/dist/world.hpp"

namespace {

using tl::testing::error_of;
using tl::testing::TempDirectory;

// Sets environment variables for one test and restores them after.
class Environment {
 public:
  ~Environment() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }
  void set(const std::string& name, const std::optional<std::string>& value) {
    const char* old = std::getenv(name.c_str());
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    if (value) {
      ::setenv(name.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(World, ReadsTorchrunsVariablesAndNamesTheMissingOne) {
  Environment environment;
  for (const char* name :
       {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "TL_DIST_TIMEOUT",
        "TL_DIST_BACKEND", "TL_DIST_TOKEN", "TORCHELASTIC_USE_AGENT_STORE", "TORCHELASTIC_RESTART_COUNT"}) {
    environment.set(name, std::nullopt);
  }
  EXPECT_FALSE(tl::world_from_environment().distributed());
  environment.set("TL_DIST_BACKEND", "nccl");
  EXPECT_NE(error_of([] { tl::world_from_environment(); }).find("TL_DIST_BACKEND=nccl: this tl has no NCCL"),
            std::string::npos);
  environment.set("TL_DIST_BACKEND", "mpi");
  EXPECT_NE(error_of([] { tl::world_from_environment(); }).find("TL_DIST_BACKEND=\"mpi\": expected gloo"),
            std::string::npos);
  environment.set("TL_DIST_BACKEND", "gloo");
  environment.set("WORLD_SIZE", "2");
  EXPECT_NE(error_of([] { tl::world_from_environment(); }).find("RANK is not set"), std::string::npos);
  environment.set("RANK", "2");
  EXPECT_NE(error_of([] { tl::world_from_environment(); }).find("RANK=\"2\": expected an integer in 0..1"),
            std::string::npos);
  environment.set("RANK", "1");
  EXPECT_NE(error_of([] { tl::world_from_environment(); }).find("MASTER_ADDR is not set"), std::string::npos);
  environment.set("TL_DIST_STORE_FILE", "/tmp/tl-job-x/store");  // tl's --nproc: no address or port
  EXPECT_EQ(tl::world_from_environment().store_file, "/tmp/tl-job-x/store");
  environment.set("TL_DIST_STORE_FILE", std::nullopt);
  environment.set("MASTER_ADDR", "host0");
  environment.set("MASTER_PORT", "70000");
  EXPECT_NE(error_of([] { tl::world_from_environment(); }).find("MASTER_PORT=\"70000\""), std::string::npos);
  environment.set("MASTER_PORT", "29511");
  environment.set("TL_DIST_TIMEOUT", "7");
  const tl::World world = tl::world_from_environment();
  EXPECT_EQ(world.rank, 1);
  EXPECT_EQ(world.size, 2);
  EXPECT_EQ(world.master_address, "host0");
  EXPECT_EQ(world.master_port, 29511);
  EXPECT_EQ(world.timeout.count(), 7);
  EXPECT_EQ(world.describe(), "rank 1 of 2 (master host0:29511)");
  EXPECT_EQ(world.token, "");
  EXPECT_EQ(world.agent_store_prefix, "") << "rank 0 serves tl's own rendezvous";

  environment.set("TL_DIST_TOKEN", "s3cret");
  environment.set("TORCHELASTIC_USE_AGENT_STORE", "True");
  environment.set("TORCHELASTIC_RESTART_COUNT", "2");
  const tl::World under_torchrun = tl::world_from_environment();
  EXPECT_EQ(under_torchrun.token, "s3cret");
  EXPECT_EQ(under_torchrun.agent_store_prefix, "/worker/attempt_2") << "the prefix PyTorch's own ranks use";
}

// Runs `body` with the worlds of ranks 0 and 1 of one job, each in a thread; returns what each
// returned. They meet at a loopback TCP port, or through `store_file` as tl's --nproc ranks do.
template <typename Result>
std::vector<Result> in_two_worlds(const std::function<Result(tl::World)>& body, int timeout_seconds,
                                  const std::string& store_file = "") {
  const int port = tl::free_local_port();
  std::vector<std::future<Result>> ranks;
  for (int rank = 0; rank < 2; ++rank) {
    ranks.push_back(std::async(std::launch::async, [=] {
      tl::World world;
      world.rank = rank;
      world.size = 2;
      world.master_port = port;
      world.timeout = std::chrono::seconds(timeout_seconds);
      world.store_file = store_file;
      return body(world);
    }));
  }
  std::vector<Result> results;
  for (auto& rank : ranks) results.push_back(rank.get());
  return results;
}

// Runs `body` in the process group of each of two ranks.
template <typename Result>
std::vector<Result> as_two_ranks(const std::function<Result(tl::ProcessGroup&)>& body, int timeout_seconds = 30,
                                 const std::string& store_file = "") {
  return in_two_worlds<Result>(
      [&](const tl::World& world) {
        tl::ProcessGroup group(world);
        return body(group);
      },
      timeout_seconds, store_file);
}

// This process's TCP sockets listening on every interface (0.0.0.0 or ::), which anyone on the
// network could reach: from /proc/net/tcp{,6}, matched to this process's descriptors by inode.
size_t own_sockets_listening_on_every_interface() {
  std::set<std::string> own;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    const std::string target = std::filesystem::read_symlink(entry.path(), error).string();
    if (!error && target.rfind("socket:[", 0) == 0) own.insert(target.substr(8, target.size() - 9));
  }
  size_t count = 0;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream lines(table);
    std::string line;
    std::getline(lines, line);  // the header
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
      const std::string address = local.substr(0, local.find(':'));
      const bool every_interface = address.find_first_not_of('0') == std::string::npos;
      if (state == "0A" && every_interface && own.count(inode) > 0) ++count;
    }
  }
  return count;
}

// The rendezvous once listened on every interface for the whole run, open to anyone on the network:
// tl's --nproc ranks now meet through a file in a private directory, and ranks whose master is a
// loopback address listen on loopback only. A rendezvous for several machines does listen on the
// network (and requires a token).
TEST(ProcessGroup, RanksOnThisMachineListenOnNoNetworkInterface) {
  const auto listening = [](tl::ProcessGroup& group) {
    torch::Tensor sum = torch::ones({1});
    group.all_reduce_sum(sum);
    return std::make_pair(sum.item<float>(), own_sockets_listening_on_every_interface());
  };
  tl::testing::TempDirectory dir;
  const auto through_file = as_two_ranks<std::pair<float, size_t>>(listening, 30, (dir / "store").string());
  EXPECT_EQ(through_file[0], std::make_pair(2.0f, size_t{0}));
  const auto through_loopback = as_two_ranks<std::pair<float, size_t>>(listening);
  EXPECT_EQ(through_loopback[0], std::make_pair(2.0f, size_t{0}));

  const int port = tl::free_local_port();
  const tl::RendezvousServer for_machines(port, false, 2, "secret", std::chrono::seconds(1));
  EXPECT_EQ(own_sockets_listening_on_every_interface(), 1u) << "the check sees a socket open to the network";
}

TEST(ProcessGroup, ARendezvousOnTheNetworkRequiresAToken) {
  tl::World world;
  world.rank = 1;
  world.size = 2;
  world.master_address = "10.255.255.1";
  world.master_port = tl::free_local_port();
  world.timeout = std::chrono::seconds(2);
  const std::string error = error_of([&] { tl::ProcessGroup group(world); });
  EXPECT_NE(error.find("distributed start failed on rank 1 of 2"), std::string::npos) << error;
  EXPECT_NE(error.find("TL_DIST_TOKEN is not set: MASTER_ADDR=10.255.255.1 is reachable from the network"),
            std::string::npos)
      << error;
}

TEST(ProcessGroup, RanksWithDifferentTokensDoNotFormAJob) {
  const auto errors = in_two_worlds<std::string>(
      [](tl::World world) {
        world.token = world.rank == 0 ? "ours" : "theirs";
        return error_of([&] { tl::ProcessGroup group(world); });
      },
      1);
  EXPECT_NE(errors[1].find("refused this rank: its TL_DIST_TOKEN differs from rank 0's"), std::string::npos)
      << errors[1];
  EXPECT_NE(errors[0].find("distributed start failed on rank 0 of 2"), std::string::npos) << errors[0];
}

TEST(ProcessGroup, AWorldOfOneIsTheIdentity) {
  tl::ProcessGroup alone;
  torch::Tensor value = torch::tensor({1.5f, 2.5f});
  alone.all_reduce_sum(value);
  EXPECT_TRUE(torch::equal(value, torch::tensor({1.5f, 2.5f})));
  EXPECT_EQ(alone.all_gather_text("x"), std::vector<std::string>{"x"});
  EXPECT_TRUE(alone.any(true));
  EXPECT_EQ(alone.share(10), (std::pair<int64_t, int64_t>{0, 10}));
  EXPECT_TRUE(alone.writes());
}

TEST(ProcessGroup, CollectivesAcrossTwoRanks) {
  const auto results = as_two_ranks<std::string>([](tl::ProcessGroup& group) {
    torch::Tensor sum = torch::full({3}, static_cast<float>(group.rank() + 1));
    group.all_reduce_sum(sum);
    // Rank 0 has no row, rank 1 has 3: all_gather_rows keeps each rank's own count.
    const auto rows = group.all_gather_rows(torch::full({group.rank() * 3, 2}, group.rank() * 10.0));
    const auto texts = group.all_gather_text(group.rank() == 0 ? std::string("a\0b", 3) : std::string());
    const bool any = group.any(group.rank() == 1);
    const auto [begin, end] = group.share(7);
    return std::to_string(sum[0].item<float>()) + " " + std::to_string(rows[0].size(0)) + "," +
           std::to_string(rows[1].size(0)) + " " + std::to_string(rows[1][2][1].item<double>()) + " " +
           std::to_string(texts[0].size()) + "," + std::to_string(texts[1].size()) + " " + (any ? "any" : "none") +
           " " + std::to_string(begin) + ".." + std::to_string(end);
  });
  EXPECT_EQ(results[0], "3.000000 0,3 10.000000 3,0 any 0..3");
  EXPECT_EQ(results[1], "3.000000 0,3 10.000000 3,0 any 3..7");
}

TEST(ProcessGroup, ARankThatLeavesMakesTheOtherFailWithAClearError) {
  const auto results = as_two_ranks<std::string>(
      [](tl::ProcessGroup& group) -> std::string {
        if (group.rank() == 1) return "left";
        torch::Tensor value = torch::ones({1});
        return error_of([&] { group.all_reduce_sum(value); });
      },
      5);
  EXPECT_NE(results[0].find("distributed all-reduce failed on rank 0 of 2"), std::string::npos) << results[0];
  EXPECT_NE(results[0].find("TL_DIST_TIMEOUT=5 s"), std::string::npos) << results[0];
}

TEST(ProcessGroup, NoMasterMeansAnErrorWithinTheTimeout) {
  const int port = tl::free_local_port();  // nobody listens here
  tl::World world;
  world.rank = 1;
  world.size = 2;
  world.master_port = port;
  world.timeout = std::chrono::seconds(1);
  const auto started = std::chrono::steady_clock::now();
  const std::string error = error_of([&] { tl::ProcessGroup group(world); });
  EXPECT_NE(error.find("distributed start failed on rank 1 of 2"), std::string::npos) << error;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
}

class ShardedExtraction : public ::testing::Test {
 protected:
  void SetUp() override {
    tl::testing::make_image_folder(dir / "data", {"a", "b", "c"}, 5, 40);
    tl::testing::write_file(dir / "data/b/broken.jpg", "not an image");
    metadata = tl::load_backbone_metadata(tl::testing::tiny_backbones() / "tiny.json");
    dataset = tl::load_image_folder(dir / "data");
    all.resize(dataset.samples.size());
    std::iota(all.begin(), all.end(), 0);
  }

  tl::FeatureSet extract(tl::ProcessGroup& group, tl::SkippedFiles& skipped) const {
    const tl::Preprocessing preprocessing = metadata.preprocessing();
    auto backbone = tl::load_torchscript_backbone(tl::testing::tiny_backbones() / "tiny.pt", metadata,
                                                  preprocessing.height, preprocessing.width, torch::kCPU);
    return tl::extract_features_across(group, *backbone, dataset, all, preprocessing, {4, 1, 2}, skipped, nullptr,
                                       "test");
  }

  TempDirectory dir;
  tl::BackboneMetadata metadata;
  tl::Dataset dataset;
  std::vector<size_t> all;
};

TEST_F(ShardedExtraction, TwoRanksHoldWhatOneProcessComputes) {
  tl::ProcessGroup alone;
  tl::SkippedFiles skipped_alone;
  const tl::FeatureSet expected = extract(alone, skipped_alone);
  ASSERT_EQ(expected.size(), 15);
  struct RankResult {
    tl::FeatureSet set;
    size_t skipped = 0;
  };
  const auto ranks = as_two_ranks<RankResult>([&](tl::ProcessGroup& group) {
    tl::SkippedFiles skipped;
    RankResult result{extract(group, skipped), skipped.count()};
    return result;
  });
  for (const auto& rank : ranks) {
    EXPECT_EQ(rank.set.sample_indices, expected.sample_indices);
    EXPECT_TRUE(torch::equal(rank.set.labels, expected.labels));
    EXPECT_TRUE(torch::allclose(rank.set.features, expected.features, 1e-5, 1e-6));
    EXPECT_EQ(rank.set.computed, 15) << "each image once, by one rank";
    EXPECT_EQ(rank.skipped, 1u) << "every rank knows the file another rank skipped";
  }
}

}  // namespace
