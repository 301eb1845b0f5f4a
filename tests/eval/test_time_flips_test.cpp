// eval.tta: flip on a run trained in-process (tiny backbone, synthetic photos): predictions no longer
// change when the input is mirrored, tl-eval's scores are those of the averaged passes, and the
// exported module flips its input itself.
#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include "support/fixtures.hpp"
#include "support/synthetic_run_config.hpp"
#include "support/temp_directory.hpp"
#include "tl/config/experiment.hpp"
#include "tl/data/image_decoder.hpp"
#include "tl/data/preprocessing.hpp"
#include "tl/eval/evaluation.hpp"
#include "tl/model/classifier_export.hpp"
#include "tl/model/trained_classifier.hpp"
#include "tl/train/trainer.hpp"

namespace {

class TestTimeFlips : public ::testing::Test {
 protected:
  void SetUp() override {
    tl::testing::make_image_folder(dir / "data", {"blue", "red", "green"}, 10, 32);
    nlohmann::json config = tl::testing::synthetic_run_config(dir.path(), dir / "data", run, 3);
    config["model"] = {{"backbone", (tl::testing::tiny_backbones() / "tiny.pt").string()},
                       {"head", {{"type", "logistic"}, {"l2", {0.01, 0.1}}}},
                       // Scores are compared with TrainedClassifier's, whose passes are float32.
                       {"precision", "float32"}};
    config["eval"] = {{"tta", "flip"}};
    tl::train(tl::load_experiment(tl::ConfigSource::from_json(config, "flips", dir.path())));
  }

  tl::testing::TempDirectory dir;
  std::filesystem::path run = dir / "run";
};

TEST_F(TestTimeFlips, PredictionsDoNotChangeWhenTheInputIsMirrored) {
  tl::TrainedClassifier classifier(run, std::nullopt, torch::kCPU);
  ASSERT_EQ(classifier.tta(), tl::TestTimeAugmentation::flip);
  const torch::Tensor images = torch::randn({4, 3, 32, 32}, at::detail::createCPUGenerator(1));
  const torch::Tensor flipped = classifier.logits_for_images(images);
  EXPECT_TRUE(torch::allclose(flipped, classifier.logits_for_images(images.flip({3})), 1e-5, 1e-5));
  const torch::Tensor plain = classifier.logits(classifier.features_for_images(images));
  EXPECT_FALSE(torch::allclose(flipped, plain, 1e-5, 1e-5)) << "the tiny backbone is not mirror-symmetric";
}

TEST_F(TestTimeFlips, EvaluationScoresAreThoseOfTheAveragedPasses) {
  tl::SkippedFiles skipped;
  const tl::ClassificationReport report =
      tl::evaluate_run(run, std::nullopt, "cpu", {"val", std::nullopt}, skipped).report;
  EXPECT_EQ(report.tta, "flip");
  EXPECT_EQ(tl::to_json(report)["tta"], "flip");
  EXPECT_EQ(report.skipped_files, 0);
  ASSERT_FALSE(report.highest_losses.empty());
  tl::TrainedClassifier classifier(run, std::nullopt, torch::kCPU);
  const tl::Preprocessing& preprocessing = classifier.preprocessing();
  for (const tl::LossySample& sample : report.highest_losses) {
    const tl::DecodedImage decoded = tl::decode_image_file(sample.path, preprocessing.decode_shorter_side());
    ASSERT_TRUE(decoded.error.empty()) << decoded.error;
    torch::Tensor image = torch::empty({1, 3, preprocessing.height, preprocessing.width});
    tl::preprocess_for_eval(decoded.rgb, preprocessing, image.data_ptr<float>());
    const torch::Tensor probabilities = classifier.probabilities_for_images(image)[0];
    EXPECT_NEAR(probabilities[sample.label].item<double>(), sample.true_probability, 1e-4) << sample.path;
  }
}

TEST_F(TestTimeFlips, TheExportedModuleFlipsItsInputItself) {
  const tl::ExportedFiles files = tl::export_classifier(run, dir / "exported.pt", {});
  EXPECT_EQ(files.description["tta"], "flip");
  torch::jit::Module module = torch::jit::load(files.module.string());
  tl::TrainedClassifier classifier(run, std::nullopt, torch::kCPU);
  const torch::Tensor images = torch::randn({3, 3, 32, 32}, at::detail::createCPUGenerator(2));
  torch::NoGradGuard no_grad;
  const torch::Tensor logits = module.forward({images}).toTensor();
  EXPECT_TRUE(torch::allclose(logits, module.forward({images.flip({3})}).toTensor(), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(logits, classifier.logits_for_images(images), 1e-4, 1e-3));
}

}  // namespace
