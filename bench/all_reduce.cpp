// Benchmark (not a test): what one training step's gradient all-reduce costs on tl's process group
// (c10d Gloo over TCP), for message sizes given in float32 values. Runs RANKS ranks as threads of
// this one process over 127.0.0.1, so it measures Gloo's ring and the loopback, not a network: on
// real machines divide the bytes by the link's bandwidth instead (bench/distributed.py does both).
// Prints JSON: for each size, the median seconds per all-reduce and the bytes per second that implies.
//
// usage: tl-bench-all-reduce RANKS VALUES...
#include <algorithm>
#include <chrono>
#include <future>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "tl/base/processor.hpp"
#include "tl/dist/local_launcher.hpp"
#include "tl/dist/process_group.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// Every rank all-reduces a tensor of `values` floats until about a second has passed (at least 3
// times); returns rank 0's median seconds per call.
double median_seconds(tl::ProcessGroup& group, int64_t values) {
  torch::Tensor gradient = torch::ones({values});
  group.all_reduce_sum(gradient);  // warm-up: connections, buffers
  std::vector<double> seconds;
  const auto start = Clock::now();
  // Ranks must agree on the count, so the rounds stop together: rank 0 decides, the others follow.
  while (true) {
    const auto before = Clock::now();
    group.all_reduce_sum(gradient);
    seconds.push_back(std::chrono::duration<double>(Clock::now() - before).count());
    const bool enough = seconds.size() >= 3 && Clock::now() - start > std::chrono::seconds(1);
    if (group.any(group.rank() == 0 && enough)) break;
  }
  std::nth_element(seconds.begin(), seconds.begin() + static_cast<long>(seconds.size() / 2), seconds.end());
  return seconds[seconds.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Median seconds per gradient all-reduce on tl's process group (c10d Gloo), RANKS ranks as threads "
               "over 127.0.0.1, for each message size in float32 values. Prints JSON.");
  int ranks = 2;
  std::vector<int64_t> sizes;
  app.add_option("ranks", ranks, "ranks, each a thread of this process")->required()->check(CLI::Range(1, 64));
  app.add_option("values", sizes, "message sizes in float32 values")->required()->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  CLI11_PARSE(app, argc, argv);
  torch::set_num_threads(1);
  const int port = tl::free_local_port();
  std::vector<std::future<std::vector<double>>> threads;
  for (int rank = 0; rank < ranks; ++rank) {
    threads.push_back(std::async(std::launch::async, [=] {
      tl::World world;
      world.rank = rank;
      world.size = ranks;
      world.master_port = port;
      tl::ProcessGroup group(world);
      std::vector<double> medians;
      for (int64_t values : sizes) medians.push_back(median_seconds(group, values));
      return medians;
    }));
  }
  std::vector<std::vector<double>> medians;
  for (auto& thread : threads) medians.push_back(thread.get());
  nlohmann::json results = nlohmann::json::array();
  for (size_t i = 0; i < sizes.size(); ++i) {
    const double bytes = 4.0 * static_cast<double>(sizes[i]);
    results.push_back({{"values", sizes[i]},
                       {"bytes", bytes},
                       {"seconds", medians[0][i]},
                       {"bytes_per_second", bytes / medians[0][i]}});
  }
  std::cout << nlohmann::json{{"cpu", tl::processor_description()}, {"ranks", ranks}, {"all_reduce", results}}.dump(2)
            << "\n";
}
