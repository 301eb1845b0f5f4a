// The training state decides the best epoch, counts early stopping per stage, and survives a round
// trip through JSON unchanged (what resume relies on).
#include "tl/train/training_state.hpp"

#include <gtest/gtest.h>

#include "tl/base/error.hpp"

namespace {

tl::EpochResult result(double loss, double accuracy) { return {loss, accuracy, 10}; }

nlohmann::json line(int epoch) { return {{"epoch", epoch}}; }

TEST(TrainingState, ByValidationLossTheLowestLossIsBestWhateverTheAccuracy) {
  tl::TrainingState state({}, /*has_validation=*/true, tl::EpochSelection::val_loss);
  EXPECT_TRUE(state.finish_epoch(result(9, 0), result(1.0, 0.50), line(1)));
  EXPECT_FALSE(state.finish_epoch(result(9, 0), result(1.2, 0.90), line(2))) << "higher accuracy, higher loss";
  EXPECT_FALSE(state.finish_epoch(result(0, 1), result(1.5, 0.55), line(3))) << "training numbers do not count";
  EXPECT_TRUE(state.finish_epoch(result(9, 0), result(0.9, 0.40), line(4)));
  EXPECT_FALSE(state.finish_epoch(result(9, 0), result(0.9, 0.60), line(5))) << "an equal loss is not better";
  EXPECT_EQ(state.best_metrics()["epoch"], 4);
  EXPECT_EQ(state.last_metrics()["epoch"], 5);
  EXPECT_EQ(state.epoch(), 5);
}

TEST(TrainingState, ByValidationAccuracyOneImageApartIsATieTheLossBreaks) {
  // 10 validation images: 0.1 apart is one image.
  tl::TrainingState state({}, /*has_validation=*/true, tl::EpochSelection::val_accuracy);
  EXPECT_TRUE(state.finish_epoch(result(9, 0), result(1.0, 0.50), line(1)));
  EXPECT_TRUE(state.finish_epoch(result(9, 0), result(1.2, 0.70), line(2))) << "two images more win despite loss";
  EXPECT_FALSE(state.finish_epoch(result(9, 0), result(1.3, 0.80), line(3))) << "one image more, higher loss";
  EXPECT_TRUE(state.finish_epoch(result(9, 0), result(0.9, 0.60), line(4))) << "one image fewer, lower loss";
  EXPECT_FALSE(state.finish_epoch(result(9, 0), result(0.9, 0.60), line(5))) << "an equal epoch is not better";
  EXPECT_EQ(state.best_metrics()["epoch"], 4);
}

TEST(TrainingState, WithoutValidationTheLowestTrainingLossIsBest) {
  tl::TrainingState state({}, /*has_validation=*/false, tl::EpochSelection::val_loss);
  state.finish_epoch(result(0.9, 0.2), {}, line(1));
  state.finish_epoch(result(0.5, 0.1), {}, line(2));
  state.finish_epoch(result(0.7, 0.9), {}, line(3));
  EXPECT_EQ(state.best_metrics()["epoch"], 2);
  EXPECT_DOUBLE_EQ(state.best()->loss, 0.5);
}

TEST(TrainingState, EarlyStoppingCountsEpochsWithoutAFallLargerThanMinDelta) {
  tl::TrainingState state({/*patience=*/2, /*min_delta=*/0.1}, /*has_validation=*/true, tl::EpochSelection::val_loss);
  state.finish_epoch({}, result(1.00, 0.5), line(1));
  state.finish_epoch({}, result(0.95, 0.5), line(2));  // fell by less than min_delta: stale
  EXPECT_FALSE(state.stage_over(10));
  state.finish_epoch({}, result(0.80, 0.5), line(3));  // a real fall resets the count
  state.finish_epoch({}, result(0.79, 0.5), line(4));
  EXPECT_FALSE(state.stopped_early());
  state.finish_epoch({}, result(0.85, 0.5), line(5));
  EXPECT_TRUE(state.stopped_early());
  EXPECT_TRUE(state.stage_over(10));
  EXPECT_EQ(state.early_stopping().stale_epochs(), 2);
}

TEST(TrainingState, ANewStageStartsItsOwnCountAndKeepsTheRunsHistory) {
  tl::TrainingState state({/*patience=*/1, /*min_delta=*/0.0}, /*has_validation=*/true, tl::EpochSelection::val_loss);
  state.finish_epoch({}, result(1.0, 0.5), line(1));
  state.finish_epoch({}, result(1.0, 0.5), line(2));
  ASSERT_TRUE(state.stage_over(5)) << "stopped early";
  state.begin_stage(tl::Stage::fine_tune);
  EXPECT_EQ(state.stage(), tl::Stage::fine_tune);
  EXPECT_EQ(state.stage_epoch(), 0);
  EXPECT_FALSE(state.stage_over(3)) << "early stopping starts afresh";
  EXPECT_TRUE(state.stopped_early()) << "the first stage's early stop is remembered";
  state.finish_epoch({}, result(1.1, 0.6), line(3));
  EXPECT_EQ(state.stage_epoch(), 1);
  EXPECT_EQ(state.best_metrics()["epoch"], 1) << "the best epoch is over the whole run";
}

TEST(TrainingState, AJsonRoundTripContinuesExactlyLikeTheOriginal) {
  const tl::EarlyStoppingSettings settings{3, 0.01};
  tl::TrainingState original(settings, true, tl::EpochSelection::val_loss);
  original.finish_epoch({}, result(0.7000000000000001, 0.3333333333333333), line(1));
  original.finish_epoch({}, result(0.69, 0.3), line(2));
  original.begin_stage(tl::Stage::fine_tune);
  original.finish_epoch({}, result(0.695, 0.35), line(3));
  tl::TrainingState restored = tl::TrainingState::from_json(nlohmann::json::parse(original.to_json().dump()), settings,
                                                            true, tl::EpochSelection::val_loss, "last.pt");
  EXPECT_EQ(restored.to_json(), original.to_json());
  for (double loss : {0.689, 0.6899, 0.7, 0.71}) {
    EXPECT_EQ(original.finish_epoch({}, result(loss, 0.35), line(original.epoch() + 1)),
              restored.finish_epoch({}, result(loss, 0.35), line(restored.epoch() + 1)));
    EXPECT_EQ(original.stage_over(100), restored.stage_over(100));
  }
  EXPECT_EQ(restored.to_json(), original.to_json());
}

TEST(TrainingState, AnIncompleteStateNamesItsSource) {
  nlohmann::json json = tl::TrainingState({}, true, tl::EpochSelection::val_loss).to_json();
  json.erase("stage_start");
  try {
    tl::TrainingState::from_json(json, {}, true, tl::EpochSelection::val_loss, "run/last.pt");
    FAIL() << "expected an error";
  } catch (const tl::Error& error) {
    EXPECT_NE(std::string(error.what()).find("run/last.pt: training state is incomplete"), std::string::npos)
        << error.what();
  }
}

}  // namespace
