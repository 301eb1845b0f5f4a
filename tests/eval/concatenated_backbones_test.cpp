// model.backbone as a list, on a run trained in-process (two tiny backbones with different
// normalisation and channel order, synthetic photos): each image's features are both backbones'
// side by side, each from the image in its own preprocessing. Checked against features computed
// here backbone by backbone: tl-eval's scores, tl-predict, the single-input path (renormalisation)
// and the exported module; and a second run reads every backbone's features from its cache.
#include <fstream>

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
#include "tl/eval/prediction.hpp"
#include "tl/model/classifier_export.hpp"
#include "tl/model/trained_classifier.hpp"
#include "tl/train/trainer.hpp"

namespace {

class ConcatenatedBackbones : public ::testing::Test {
 protected:
  void SetUp() override {
    tl::testing::make_image_folder(dir / "data", {"blue", "red", "green"}, 10, 40);
    std::filesystem::copy_file(tl::testing::tiny_backbones() / "tiny.pt", dir / "tiny.pt");
    std::filesystem::copy_file(tl::testing::tiny_backbones() / "tiny.json", dir / "tiny.json");
    std::filesystem::copy_file(tl::testing::tiny_backbones() / "stack.pt", dir / "stack.pt");
    std::ofstream(dir / "stack.json") << R"({"input_size": [32, 32], "resize_shorter": 36, "mean": [0.4, 0.45, 0.5],
                                            "std": [0.2, 0.3, 0.25], "color": "BGR", "feature_dim": 8})";
    config = tl::testing::synthetic_run_config(dir.path(), dir / "data", run, 5);
    config["model"] = {{"backbone", {(dir / "tiny.pt").string(), (dir / "stack.pt").string()}},
                       {"head", {{"type", "logistic"}, {"l2", {0.01, 0.1}}}},
                       // Scores are compared with features computed here in float32.
                       {"precision", "float32"}};
    config["eval"] = {{"tta", "flip"}};
    summary = tl::train(tl::load_experiment(tl::ConfigSource::from_json(config, "two", dir.path()))).to_json();
  }

  // Each backbone's features of the image file in its own preprocessing (mirrored or not), side by
  // side, computed here without tl's feature passes.
  torch::Tensor features_by_hand(const std::filesystem::path& image, bool mirrored) {
    std::vector<torch::Tensor> parts;
    for (const char* name : {"tiny", "stack"}) {
      const tl::LoadedBackbone loaded =
          tl::load_backbone({dir / (std::string(name) + ".pt"), std::nullopt, std::nullopt}, {}, torch::kCPU);
      tl::Preprocessing preprocessing = loaded.preprocessing;
      preprocessing.mirrored = mirrored;
      parts.push_back(loaded.backbone->features(prepared(image, preprocessing)));
    }
    return torch::cat(parts, 1);
  }

  static torch::Tensor prepared(const std::filesystem::path& image, const tl::Preprocessing& preprocessing) {
    const tl::DecodedImage decoded = tl::decode_image_file(image, preprocessing.decode_shorter_side());
    EXPECT_TRUE(decoded.error.empty()) << decoded.error;
    torch::Tensor chw = torch::empty({1, 3, preprocessing.height, preprocessing.width});
    tl::preprocess_for_eval(decoded.rgb, preprocessing, chw.data_ptr<float>());
    return chw;
  }

  tl::testing::TempDirectory dir;
  std::filesystem::path run = dir / "run";
  nlohmann::json config, summary;
};

TEST_F(ConcatenatedBackbones, TheHeadSeesBothBackbonesFeaturesInOrder) {
  EXPECT_EQ(summary["backbone"]["feature_dim"], 16);
  ASSERT_EQ(summary["backbone"]["concatenated"].size(), 2u);
  EXPECT_EQ(summary["backbone"]["concatenated"][1]["path"], (dir / "stack.pt").string());
  tl::TrainedClassifier classifier(run, std::nullopt, torch::kCPU);
  ASSERT_EQ(classifier.record().backbones.size(), 2u);
  EXPECT_NE(classifier.record().backbones[0].preprocessing, classifier.record().backbones[1].preprocessing);
  EXPECT_EQ(classifier.head()->in_features(), 16);
}

TEST_F(ConcatenatedBackbones, EvaluationScoresAreThoseOfEachBackboneInItsOwnPreprocessing) {
  tl::SkippedFiles skipped;
  const tl::ClassificationReport report =
      tl::evaluate_run(run, std::nullopt, "cpu", {"val", std::nullopt}, skipped).report;
  ASSERT_FALSE(report.highest_losses.empty());
  tl::TrainedClassifier classifier(run, std::nullopt, torch::kCPU);
  for (const tl::LossySample& sample : report.highest_losses) {
    const torch::Tensor logits = (classifier.logits(features_by_hand(sample.path, false)) +
                                  classifier.logits(features_by_hand(sample.path, true))) /
                                 2;
    EXPECT_NEAR(torch::softmax(logits, 1)[0][sample.label].item<double>(), sample.true_probability, 1e-4)
        << sample.path;
  }
}

TEST_F(ConcatenatedBackbones, PredictionAndTheExportedModuleAgreeWithTheBackbonesByHand) {
  const std::filesystem::path image = dir / "data" / "red" / "3.jpg";
  ASSERT_TRUE(std::filesystem::exists(image)) << "fixture naming changed";
  tl::TrainedClassifier classifier(run, std::nullopt, torch::kCPU);
  const torch::Tensor by_hand = torch::softmax(
      (classifier.logits(features_by_hand(image, false)) + classifier.logits(features_by_hand(image, true))) / 2, 1);

  tl::Predictor predictor(run, std::nullopt, "cpu");
  const tl::ImagePrediction prediction = predictor.predict(image, 3);
  ASSERT_TRUE(prediction.error.empty()) << prediction.error;
  for (const tl::ClassScore& score : prediction.top) {
    EXPECT_NEAR(score.probability, by_hand[0][score.index].item<double>(), 1e-5) << score.name;
  }

  // One tensor in the first backbone's preprocessing: the second gets it renormalised to BGR and its
  // own mean and std.
  const torch::Tensor first_input = prepared(image, classifier.preprocessing());
  EXPECT_TRUE(torch::allclose(classifier.probabilities_for_images(first_input), by_hand, 1e-5, 1e-5));
  const tl::ExportedFiles files = tl::export_classifier(run, dir / "exported.pt", {std::nullopt, /*softmax=*/true});
  torch::jit::Module module = torch::jit::load(files.module.string());
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(module.forward({first_input}).toTensor(), by_hand, 1e-4, 1e-4));
  EXPECT_EQ(files.description["source"]["backbone"],
            nlohmann::json({(dir / "tiny.pt").string(), (dir / "stack.pt").string()}));
}

TEST_F(ConcatenatedBackbones, EachBackbonesFeaturesAreCachedUnderItsOwnFile) {
  const int64_t first_run_images = summary["feature_extraction"]["images"].get<int64_t>();
  EXPECT_EQ(summary["feature_extraction"]["computed_by_backbone"], first_run_images);
  config["output"]["dir"] = (dir / "again").string();
  const nlohmann::json again =
      tl::train(tl::load_experiment(tl::ConfigSource::from_json(config, "two", dir.path()))).to_json();
  EXPECT_EQ(again["feature_extraction"]["images"], first_run_images);
  EXPECT_EQ(again["feature_extraction"]["computed_by_backbone"], 0);
  EXPECT_EQ(again["best"]["train_loss"], summary["best"]["train_loss"]);
  EXPECT_EQ(again["best"]["val_loss"], summary["best"]["val_loss"]);
}

}  // namespace
