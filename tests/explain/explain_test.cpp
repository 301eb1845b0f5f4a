// Looking inside a backbone and a trained run: Grad-CAM's arithmetic against PyTorch on a tiny
// backbone, heat maps of runs trained in-process (one backbone and two, with flips), and the
// pictures drawn from them.
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "support/fixtures.hpp"
#include "support/synthetic_run_config.hpp"
#include "support/temp_directory.hpp"
#include "tl/base/error.hpp"
#include "tl/config/experiment.hpp"
#include "tl/data/heat_map_overlay.hpp"
#include "tl/explain/class_heat_map.hpp"
#include "tl/explain/feature_map_grid.hpp"
#include "tl/explain/feature_map_request.hpp"
#include "tl/explain/feature_maps.hpp"
#include "tl/explain/heat_map_request.hpp"
#include "tl/model/trained_classifier.hpp"
#include "tl/train/trainer.hpp"

namespace {

using tl::testing::tiny_backbones;

std::unique_ptr<tl::Backbone> load(const std::string& name) {
  return tl::load_torchscript_backbone(tiny_backbones() / (name + ".pt"),
                                       tl::load_backbone_metadata(tiny_backbones() / (name + ".json")), 32, 32,
                                       torch::kCPU);
}

torch::Tensor floats(const nlohmann::json& values) { return torch::tensor(values.get<std::vector<float>>()); }

TEST(GradCam, MatchesPyTorchsAutogradOnATinyBackbone) {
  const nlohmann::json reference =
      nlohmann::json::parse(tl::testing::read_file(tiny_backbones() / "stack_grad_cam.json"));
  auto backbone = load("stack");
  const torch::Tensor image = floats(reference["image"]).view({1, 3, 32, 32});
  const torch::Tensor weight = floats(reference["head_weight"]).view({3, 8});
  const torch::Tensor bias = floats(reference["head_bias"]);
  const auto head = [&](const torch::Tensor& features) { return features.matmul(weight.t()) + bias; };
  const auto classes = reference["classes"].get<std::vector<int>>();
  int nonzero_maps = 0;
  for (const auto& [block, expected] : reference["blocks"].items()) {
    const torch::Tensor maps = tl::grad_cam({{backbone.get(), image, block}}, head, classes);
    const int rows = expected["rows"].get<int>(), cols = expected["cols"].get<int>();
    ASSERT_EQ(maps.sizes(), (std::vector<int64_t>{static_cast<int64_t>(classes.size()), 1, rows, cols})) << block;
    for (size_t c = 0; c < classes.size(); ++c) {
      const torch::Tensor want = floats(expected["maps"][c]).view({rows, cols});
      EXPECT_TRUE(torch::allclose(maps[static_cast<int64_t>(c)][0], want, 1e-4, 1e-7))
          << block << " class " << classes[c] << "\n"
          << maps[static_cast<int64_t>(c)][0] << "\n"
          << want;
      nonzero_maps += want.max().item<float>() > 0;
    }
  }
  EXPECT_GE(nonzero_maps, 3) << "the reference must not be all zeros";
}

// Runs on synthetic photos whose classes differ in colour, trained in-process.
class TrainedRun : public ::testing::Test {
 protected:
  std::filesystem::path train(const std::string& name, const nlohmann::json& backbones, const std::string& tta) {
    if (!std::filesystem::exists(dir / "data")) tl::testing::make_image_folder(dir / "data", {"blue", "red"}, 8, 40);
    const auto run = dir / name;
    nlohmann::json config = tl::testing::synthetic_run_config(dir.path(), dir / "data", run, 4);
    config["model"] = {{"backbone", backbones}, {"head", {{"type", "logistic"}, {"l2", {0.01}}}}};
    config["eval"] = {{"tta", tta}};
    tl::train(tl::load_experiment(tl::ConfigSource::from_json(config, name, dir.path())));
    return run;
  }

  tl::testing::TempDirectory dir;
};

double correlation(const tl::HeatMap& a, const tl::HeatMap& b) {
  const auto x = torch::tensor(a.values), y = torch::tensor(b.values);
  const auto dx = x - x.mean(), dy = y - y.mean();
  return (dx * dy).sum().item<double>() / std::sqrt((dx * dx).sum().item<double>() * (dy * dy).sum().item<double>());
}

TEST_F(TrainedRun, WithFlipsAMirroredPhotosMapIsTheMirroredMap) {
  const auto run = train("flips", (tiny_backbones() / "tiny.pt").string(), "flip");
  tl::TrainedClassifier classifier(run, std::nullopt, torch::kCPU);
  tl::ClassHeatMaps heat_maps(classifier);
  EXPECT_EQ(heat_maps.blocks(), std::vector<std::string>{"relu"});
  const torch::Tensor image = torch::randn({1, 3, 32, 32}, at::detail::createCPUGenerator(8));
  for (const bool flips : {true, false}) {
    const auto maps = heat_maps.maps(image, {0, 1}, flips);
    const auto mirrored = heat_maps.maps(image.flip({3}), {0, 1}, flips);
    ASSERT_EQ(maps.size(), 2u);
    ASSERT_EQ(maps[0].rows, 16);
    ASSERT_EQ(maps[0].cols, 16);
    for (size_t c = 0; c < 2; ++c) {
      const auto map = torch::tensor(maps[c].values).view({16, 16});
      const auto mirrored_map = torch::tensor(mirrored[c].values).view({16, 16});
      EXPECT_FLOAT_EQ(map.max().item<float>(), 1.0f) << "scaled so that the strongest cell is 1";
      EXPECT_GE(map.min().item<float>(), 0.0f);
      // Averaged with the mirror image's map, mirror symmetry holds exactly; a single pass through
      // a backbone that is not mirror-symmetric does not have it.
      EXPECT_EQ(torch::allclose(mirrored_map, map.flip({1}), 1e-4, 1e-5), flips) << "flips " << flips;
    }
    EXPECT_LT(correlation(maps[0], maps[1]), 0.5) << "two classes' evidence lies in different places";
  }
}

TEST_F(TrainedRun, TwoBackbonesAddTheirMapsOnTheFinerGrid) {
  const auto run =
      train("two", {(tiny_backbones() / "tiny.pt").string(), (tiny_backbones() / "stack.pt").string()}, "none");
  tl::TrainedClassifier classifier(run, std::nullopt, torch::kCPU);
  tl::ClassHeatMaps heat_maps(classifier);
  EXPECT_EQ(heat_maps.blocks(), (std::vector<std::string>{"relu", "features.2"}));
  const torch::Tensor image = torch::randn({1, 3, 32, 32}, at::detail::createCPUGenerator(9));
  const auto maps = heat_maps.maps(image, {1}, false);
  EXPECT_EQ(maps[0].rows, 16);  // tiny's 16 x 16, not stack's 4 x 4
  // By hand: each backbone's map resized to 16 x 16, added, scaled.
  std::vector<tl::BlockInput> inputs{{classifier.backbones()[0].backbone.get(), image, "relu"},
                                     {classifier.backbones()[1].backbone.get(), image, "features.2"}};
  const auto head = [&](const torch::Tensor& features) { return classifier.head()->forward(features); };
  const torch::Tensor both = tl::grad_cam(inputs, head, {1})[0][0];
  EXPECT_TRUE(torch::allclose(torch::tensor(maps[0].values).view({16, 16}), both / both.max(), 1e-5, 1e-6));
  // The head is linear: each backbone's map is the one it gives alone, and the second one counts.
  const auto alone = [&](size_t which) {
    return tl::grad_cam({inputs[which]},
                        [&](const torch::Tensor& features) {
                          const torch::Tensor other = torch::zeros({1, 8});
                          return head(which == 0 ? torch::cat({features, other}, 1) : torch::cat({other, features}, 1));
                        },
                        {0, 1})
        .select(1, 0);
  };
  const torch::Tensor first = alone(0), second = alone(1);
  EXPECT_EQ(second.size(1), 4);
  namespace F = torch::nn::functional;
  const torch::Tensor second_resized =
      F::interpolate(
          second.unsqueeze(1),
          F::InterpolateFuncOptions().size(std::vector<int64_t>{16, 16}).mode(torch::kBilinear).align_corners(false))
          .squeeze(1);
  EXPECT_TRUE(torch::allclose(tl::grad_cam(inputs, head, {0, 1}).select(1, 0), first + second_resized, 1e-4, 1e-6));
  EXPECT_GT(second.max().item<float>(), 0.0f) << "the second backbone adds evidence of its own";
}

TEST_F(TrainedRun, HeatMapAndFeatureMapFilesArePngsOfTheStatedSize) {
  const auto run = train("files", (tiny_backbones() / "stack.pt").string(), "none");
  const auto photo = dir / "data" / "red" / "0.jpg";
  tl::HeatMapRequest heat;
  heat.run = run;
  heat.image = photo;
  heat.out = dir / "out" / "heat.png";
  heat.device = "cpu";
  const tl::HeatMapOutcome outcome = tl::heat_map_to_files(heat);
  EXPECT_EQ(outcome.target, outcome.predicted);
  EXPECT_EQ(outcome.blocks, std::vector<std::string>{"features.2"});
  const cv::Mat figure = cv::imread(heat.out.string(), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(figure.empty());
  EXPECT_EQ(figure.type(), CV_8UC3);
  EXPECT_EQ(figure.cols, 2 * 32 + 4) << "the photo and its overlay side by side";
  EXPECT_GT(figure.rows, 32) << "and a caption below";

  heat.target = "BLUE";
  EXPECT_EQ(tl::heat_map_to_files(heat).target, "blue") << "a class by name, case ignored";
  heat.target = "purple";
  EXPECT_THROW(tl::heat_map_to_files(heat), tl::Error);

  tl::FeatureMapRequest maps;
  maps.run = run;
  maps.image = photo;
  maps.out = dir / "out" / "features.png";
  maps.channels = 4;
  maps.device = "cpu";
  const tl::FeatureMapOutcome written = tl::feature_maps_to_files(maps);
  ASSERT_EQ(written.blocks, (std::vector<std::string>{"features.1", "features.2"}));
  EXPECT_EQ(written.images[0], dir / "out" / "features_features.1.png");
  for (const auto& image : written.images) EXPECT_FALSE(cv::imread(image.string()).empty()) << image;
  EXPECT_EQ(tl::describe_spatial_blocks(maps),
            (std::vector<std::string>{"features.0 [8 x 16 x 16]", "features.1 [8 x 8 x 8]", "features.2 [8 x 4 x 4]"}));
}

TEST(FeatureMaps, StrongestChannelsComeFirstAndEachTileIsDrawnToItsOwnRange) {
  auto backbone = load("stack");
  const torch::Tensor image = torch::randn({1, 3, 32, 32}, at::detail::createCPUGenerator(10));
  const tl::BlockFeatureMaps maps = tl::block_feature_maps(*backbone, image, "features.0", 5);
  ASSERT_EQ(maps.channels, 8);
  ASSERT_EQ(maps.strongest.size(), 5u);
  for (size_t i = 1; i < maps.strongest.size(); ++i) {
    EXPECT_GE(maps.strongest[i - 1].mean_activation, maps.strongest[i].mean_activation);
  }
  EXPECT_NEAR(cv::mean(maps.strongest[0].map)[0], maps.strongest[0].mean_activation, 1e-5);
  EXPECT_EQ(tl::default_feature_blocks({"a", "b", "c", "d", "e"}), (std::vector<std::string>{"c", "e"}));

  // Maps of very different ranges: every tile uses the whole colour scale.
  std::vector<tl::LabelledMap> tiles;
  for (int i = 0; i < 5; ++i) {
    cv::Mat map(4, 4, CV_32F);
    for (int cell = 0; cell < 16; ++cell)
      map.at<float>(cell / 4, cell % 4) = static_cast<float>(cell * std::pow(10, i));
    tiles.push_back({map, "ch " + std::to_string(i)});
  }
  const cv::Mat view(32, 32, CV_8UC3, cv::Scalar(90, 120, 150));
  const cv::Mat grid = tl::feature_map_grid(view, tiles, "caption", 40);
  // 5 tiles: 3 columns, 2 rows of 40 px tiles with 14 px labels and 4 px gaps.
  EXPECT_EQ(grid.cols, (2 * (40 + 14 + 4) - 4) + 12 + 3 * 44 - 4);
  int non_blank = 0;
  const int left = grid.cols - (3 * 44 - 4);
  for (int i = 0; i < 6; ++i) {
    const cv::Mat tile = grid(cv::Rect(left + i % 3 * 44, i / 3 * 58, 40, 40));
    cv::Mat grey;
    cv::cvtColor(tile, grey, cv::COLOR_RGB2GRAY);
    double low = 0, high = 0;
    cv::minMaxLoc(grey, &low, &high);
    non_blank += high - low > 100;
  }
  EXPECT_EQ(non_blank, 5) << "five maps, five full-range tiles, one empty cell";
}

TEST(HeatMapOverlay, TheHotCellIsRedAndTheColdOnesBlue) {
  const cv::Mat grey(64, 64, CV_8UC3, cv::Scalar(128, 128, 128));
  cv::Mat map = cv::Mat::zeros(2, 2, CV_32F);
  map.at<float>(0, 0) = 1.0f;
  const cv::Mat overlay = tl::overlay_heat_map(grey, map);
  ASSERT_EQ(overlay.size(), grey.size());
  const cv::Vec3b hot = overlay.at<cv::Vec3b>(2, 2), cold = overlay.at<cv::Vec3b>(61, 61);
  EXPECT_GT(hot[0], hot[2]) << "RGB: red over blue at the peak";
  EXPECT_GT(cold[2], cold[0]);
}

}  // namespace
