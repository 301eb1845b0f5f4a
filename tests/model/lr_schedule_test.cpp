// Learning-rate schedules as functions of fractional epochs.
#include "tl/model/lr_schedule.hpp"

#include <gtest/gtest.h>

namespace {

TEST(LrSchedule, Constant) {
  const tl::LrSchedule schedule({tl::ScheduleKind::constant, 0, 1.0, 0.0}, 0.1, 10);
  EXPECT_DOUBLE_EQ(schedule.at(0), 0.1);
  EXPECT_DOUBLE_EQ(schedule.at(9.9), 0.1);
}

TEST(LrSchedule, StepDecaysEveryStepSizeEpochs) {
  const tl::LrSchedule schedule({tl::ScheduleKind::step, 3, 0.5, 0.0}, 0.1, 10);
  EXPECT_DOUBLE_EQ(schedule.at(2.99), 0.1);
  EXPECT_DOUBLE_EQ(schedule.at(3.0), 0.05);
  EXPECT_DOUBLE_EQ(schedule.at(6.5), 0.025);
}

TEST(LrSchedule, CosineFallsFromBaseToZero) {
  const tl::LrSchedule schedule({tl::ScheduleKind::cosine, 0, 1.0, 0.0}, 0.2, 4);
  EXPECT_DOUBLE_EQ(schedule.at(0), 0.2);
  EXPECT_NEAR(schedule.at(2), 0.1, 1e-12);
  EXPECT_NEAR(schedule.at(4), 0.0, 1e-12);
  EXPECT_GT(schedule.at(1), schedule.at(1.5));
}

TEST(LrSchedule, WarmupRisesLinearlyThenCosineSpansTheRest) {
  const tl::LrSchedule schedule({tl::ScheduleKind::cosine, 0, 1.0, 2.0}, 0.4, 10);
  EXPECT_DOUBLE_EQ(schedule.at(0), 0.0);
  EXPECT_DOUBLE_EQ(schedule.at(0.5), 0.1);
  EXPECT_DOUBLE_EQ(schedule.at(1.0), 0.2);
  EXPECT_DOUBLE_EQ(schedule.at(2.0), 0.4) << "the base rate when the warmup ends";
  EXPECT_NEAR(schedule.at(6.0), 0.2, 1e-12) << "half-way through the cosine part";
  EXPECT_NEAR(schedule.at(10.0), 0.0, 1e-12);
  const tl::LrSchedule step({tl::ScheduleKind::step, 3, 0.5, 1.0}, 0.1, 10);
  EXPECT_DOUBLE_EQ(step.at(0.5), 0.05);
  EXPECT_DOUBLE_EQ(step.at(3.5), 0.05) << "step decays still count from the start";
}

}  // namespace
