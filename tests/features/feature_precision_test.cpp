// Feature precision: bfloat16 features follow float32's and are cached apart from them; training
// returns a backbone to float32; `auto` decides by the stated rule, measures once per machine and
// backbone, and measures again when its decision file is damaged.
#include "tl/features/feature_precision.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "support/fixtures.hpp"
#include "support/temp_directory.hpp"

namespace {

using tl::Precision;
using tl::PrecisionTrial;

std::unique_ptr<tl::Backbone> tiny() {
  const auto metadata = tl::load_backbone_metadata(tl::testing::tiny_backbones() / "tiny.json");
  return tl::load_torchscript_backbone(tl::testing::tiny_backbones() / "tiny.pt", metadata, 32, 32, torch::kCPU);
}

TEST(FeaturePrecision, BfloatFeaturesFollowFloat32AndAreCachedApart) {
  auto backbone = tiny();
  const auto images = torch::randn({6, 3, 32, 32});
  const torch::Tensor full = backbone->features(images);
  EXPECT_EQ(backbone->feature_identity(), backbone->content_hash());

  backbone->set_feature_precision(torch::kBFloat16);
  EXPECT_EQ(backbone->feature_precision(), torch::kBFloat16);
  const torch::Tensor reduced = backbone->features(images);
  EXPECT_EQ(reduced.scalar_type(), torch::kFloat) << "heads and the cache take float32";
  EXPECT_FALSE(torch::equal(reduced, full)) << "the pass did not run in bfloat16";
  EXPECT_GT(torch::cosine_similarity(reduced, full, 1).min().item<double>(), 0.99);
  EXPECT_NE(backbone->feature_identity(), backbone->content_hash());
  EXPECT_EQ(backbone->feature_identity().rfind(backbone->content_hash(), 0), 0u);

  backbone->set_feature_precision(torch::kFloat);
  EXPECT_TRUE(torch::equal(backbone->features(images), full));
  EXPECT_EQ(backbone->feature_identity(), backbone->content_hash());
  EXPECT_THROW(backbone->set_feature_precision(torch::kHalf), tl::Error);
}

TEST(FeaturePrecision, UnfreezingReturnsFeaturesToFloat32) {
  auto backbone = tiny();
  backbone->set_feature_precision(torch::kBFloat16);
  backbone->unfreeze({"bn.weight", "bn.bias"}, /*batch_norm_trains=*/false);
  EXPECT_EQ(backbone->feature_precision(), torch::kFloat) << "a bfloat16 copy would not see what training changes";
}

TEST(FeaturePrecision, TheRuleKeepsBfloat16OnlyWhenFasterAndFaithful) {
  const auto trials = [](double full_rate, double reduced_rate, double cosine) {
    return std::vector<PrecisionTrial>{{Precision::float32, full_rate, 1.0},
                                       {Precision::bfloat16, reduced_rate, cosine}};
  };
  const tl::PrecisionChoice fast = tl::decide_precision(trials(100, 230, 0.9991));
  EXPECT_EQ(fast.chosen, Precision::bfloat16);
  EXPECT_NE(fast.reason.find("2.30x"), std::string::npos) << fast.reason;

  const tl::PrecisionChoice emulated = tl::decide_precision(trials(100, 60, 0.9991));
  EXPECT_EQ(emulated.chosen, Precision::float32);
  EXPECT_NE(emulated.reason.find("not faster enough"), std::string::npos) << emulated.reason;
  EXPECT_EQ(tl::decide_precision(trials(100, 105, 0.9991)).chosen, Precision::float32) << "noise is not a speed-up";

  const tl::PrecisionChoice unfaithful = tl::decide_precision(trials(100, 230, 0.9));
  EXPECT_EQ(unfaithful.chosen, Precision::float32);
  EXPECT_NE(unfaithful.reason.find("0.90000"), std::string::npos) << unfaithful.reason;
  EXPECT_EQ(unfaithful.trials.size(), 2u) << "the figures behind the choice are kept";
}

TEST(FeaturePrecision, ARequestedPrecisionIsUsedWithoutMeasuring) {
  auto backbone = tiny();
  tl::testing::TempDirectory dir;
  const tl::PrecisionChoice choice = tl::choose_feature_precision(
      *backbone, Precision::bfloat16, 32, 32,
      [] {
        return torch::randn({4, 3, 32, 32});
      },
      dir.path());
  EXPECT_EQ(choice.chosen, Precision::bfloat16);
  EXPECT_TRUE(choice.trials.empty());
  EXPECT_EQ(backbone->feature_precision(), torch::kBFloat16);
  EXPECT_FALSE(std::filesystem::exists(dir / "precision"));
}

TEST(FeaturePrecision, AutomaticIsMeasuredOncePerMachineAndBackbone) {
  tl::testing::TempDirectory dir;
  const torch::Tensor images = torch::randn({8, 3, 32, 32});
  int probes = 0;  // how often the images were asked for
  const auto probe = [&] {
    ++probes;
    return images;
  };
  auto backbone = tiny();
  const tl::PrecisionChoice first =
      tl::choose_feature_precision(*backbone, Precision::automatic, 32, 32, probe, dir.path());
  ASSERT_EQ(first.trials.size(), 2u);
  EXPECT_FALSE(first.remembered);
  EXPECT_GT(first.trials[0].images_per_second, 0);
  EXPECT_GT(first.trials[1].min_cosine, 0.99);
  EXPECT_EQ(backbone->feature_precision(), first.chosen == Precision::bfloat16 ? torch::kBFloat16 : torch::kFloat);
  const auto files = std::distance(std::filesystem::directory_iterator(dir / "precision"), {});
  EXPECT_EQ(files, 1);

  auto again = tiny();
  const tl::PrecisionChoice second =
      tl::choose_feature_precision(*again, Precision::automatic, 32, 32, probe, dir.path());
  EXPECT_TRUE(second.remembered);
  EXPECT_EQ(probes, 1) << "a remembered decision decodes no images";
  EXPECT_EQ(second.chosen, first.chosen);
  EXPECT_EQ(second.reason, first.reason);
  EXPECT_EQ(second.trials.size(), 2u);
  EXPECT_EQ(second.to_json()["requested"], "auto");

  // Another input size is another decision.
  auto larger = tl::load_torchscript_backbone(tl::testing::tiny_backbones() / "tiny.pt",
                                              tl::load_backbone_metadata(tl::testing::tiny_backbones() / "tiny.json"),
                                              48, 48, torch::kCPU);
  EXPECT_FALSE(tl::choose_feature_precision(
                   *larger, Precision::automatic, 48, 48,
                   [] {
                     return torch::randn({8, 3, 48, 48});
                   },
                   dir.path())
                   .remembered);

  for (const auto& entry : std::filesystem::directory_iterator(dir / "precision")) {
    tl::testing::write_file(entry.path(), "{\"identity\": ");
  }
  auto damaged = tiny();
  const tl::PrecisionChoice measured =
      tl::choose_feature_precision(*damaged, Precision::automatic, 32, 32, probe, dir.path());
  EXPECT_FALSE(measured.remembered) << "a damaged decision is measured again";
  EXPECT_TRUE(tl::choose_feature_precision(*damaged, Precision::automatic, 32, 32, probe, dir.path()).remembered)
      << "and written afresh";
}

TEST(FeaturePrecision, AutomaticWithoutImagesStaysFloat32) {
  auto backbone = tiny();
  const tl::PrecisionChoice choice = tl::choose_feature_precision(
      *backbone, Precision::automatic, 32, 32, [] { return torch::Tensor(); }, std::nullopt);
  EXPECT_EQ(choice.chosen, Precision::float32);
  EXPECT_TRUE(choice.trials.empty());
}

}  // namespace
