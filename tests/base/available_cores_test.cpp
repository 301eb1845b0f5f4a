// "All cores" is what this process may use: OMP_NUM_THREADS when set, else its CPU affinity mask
// (taskset, cgroups, Slurm), not the machine's count.
#include "tl/base/available_cores.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <stdlib.h>

namespace {

// Restores the environment variable and the affinity mask a test changes.
class AvailableCores : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* value = std::getenv("OMP_NUM_THREADS")) saved_omp_ = value;
    ASSERT_EQ(sched_getaffinity(0, sizeof saved_mask_, &saved_mask_), 0);
    unsetenv("OMP_NUM_THREADS");
  }
  void TearDown() override {
    if (saved_omp_.empty()) {
      unsetenv("OMP_NUM_THREADS");
    } else {
      setenv("OMP_NUM_THREADS", saved_omp_.c_str(), 1);
    }
    sched_setaffinity(0, sizeof saved_mask_, &saved_mask_);
  }

  std::string saved_omp_;
  cpu_set_t saved_mask_{};
};

TEST_F(AvailableCores, FollowsTheAffinityMask) {
  EXPECT_EQ(tl::available_cores(), CPU_COUNT(&saved_mask_));
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &saved_mask_)) {
      CPU_SET(cpu, &one);
      break;
    }
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
  EXPECT_EQ(tl::available_cores(), 1) << "as under taskset -c N";
}

TEST_F(AvailableCores, OmpNumThreadsWinsAndNonsenseIsIgnored) {
  setenv("OMP_NUM_THREADS", "3", 1);
  EXPECT_EQ(tl::available_cores(), 3);
  for (const char* nonsense : {"0", "-2", "four", "2,1", ""}) {
    setenv("OMP_NUM_THREADS", nonsense, 1);
    EXPECT_EQ(tl::available_cores(), CPU_COUNT(&saved_mask_)) << "OMP_NUM_THREADS=" << nonsense;
  }
}

}  // namespace
