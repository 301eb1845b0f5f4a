// Class heat maps of the real MobileNetV2 under its own ImageNet classifier (../shared's model.pt)
// pass the checks a saliency method must pass (Adebayo et al. 2018): a map depends on the class
// and on the classifier's weights, and moves with the object when the photo is mirrored.
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include "support/shared_data.hpp"
#include "tl/explain/class_heat_map.hpp"
#include "tl/explain/feature_maps.hpp"
#include "tl/explain/photo_view.hpp"

namespace {

// ImageNet class k is output k + 1 of these models (label_offset 1).
constexpr int kTabbyCat = 281 + 1;
constexpr int kGoldenRetriever = 207 + 1;

class RealHeatMaps : public ::testing::Test {
 protected:
  void SetUp() override {
    TL_REQUIRE_SHARED_DATA();
    const auto folder = tl::testing::model_dir("mobilenet_v2_1.0_224_ptq");
    loaded = tl::load_backbone({folder / "backbone.pt", std::nullopt, std::nullopt}, tl::DataConfig{}, torch::kCPU);
    torch::jit::Module model = torch::jit::load((folder / "model.pt").string());
    const torch::jit::Module classifier = model.attr("classifier").toModule();
    weight = classifier.attr("weight").toTensor().detach().clone();
    bias = classifier.attr("bias").toTensor().detach().clone();
  }

  torch::Tensor map(const torch::Tensor& image, int class_index, const torch::Tensor& head_weight) {
    const auto head = [&](const torch::Tensor& features) { return features.matmul(head_weight.t()) + bias; };
    return tl::grad_cam({{loaded.backbone.get(), image, "features.18"}}, head, {class_index})[0][0];
  }

  torch::Tensor photo(const std::filesystem::path& path) {
    return tl::view_photo(path, loaded.preprocessing, torch::kCPU).input;
  }

  tl::LoadedBackbone loaded;
  torch::Tensor weight, bias;
};

double correlation(const torch::Tensor& a, const torch::Tensor& b) {
  const auto x = a.flatten() - a.mean(), y = b.flatten() - b.mean();
  return (x * y).sum().item<double>() / std::sqrt((x * x).sum().item<double>() * (y * y).sum().item<double>());
}

const std::filesystem::path kCat = "images/Abyssinian_100.jpg";

TEST_F(RealHeatMaps, TheCatAndTheDogMapOfOnePhotoDiffer) {
  const torch::Tensor image = photo(tl::testing::oxford_pets_root() / kCat);
  const torch::Tensor cat = map(image, kTabbyCat, weight), dog = map(image, kGoldenRetriever, weight);
  ASSERT_GT(cat.max().item<double>(), 0);
  ASSERT_GT(dog.max().item<double>(), 0);
  std::printf("correlation of the cat and dog maps: %.3f\n", correlation(cat, dog));
  EXPECT_LT(correlation(cat, dog), 0.5);
}

TEST_F(RealHeatMaps, RandomisingTheClassifiersWeightsForTheClassChangesItsMap) {
  const torch::Tensor image = photo(tl::testing::oxford_pets_root() / kCat);
  torch::Tensor randomised = weight.clone();
  randomised[kTabbyCat] = torch::randn({weight.size(1)}, at::detail::createCPUGenerator(11)) * weight[kTabbyCat].std();
  const torch::Tensor trained = map(image, kTabbyCat, weight), random = map(image, kTabbyCat, randomised);
  std::printf("correlation of the trained and the randomised head's maps: %.3f\n", correlation(trained, random));
  EXPECT_LT(correlation(trained, random), 0.5);
  EXPECT_TRUE(torch::equal(map(image, kGoldenRetriever, weight), map(image, kGoldenRetriever, randomised)))
      << "another class's map does not depend on the randomised row";
}

TEST_F(RealHeatMaps, TheMapOfAMirroredPhotoIsTheMirroredMap) {
  const torch::Tensor image = photo(tl::testing::oxford_pets_root() / kCat);
  const torch::Tensor plain = map(image, kTabbyCat, weight), mirrored = map(image.flip({3}), kTabbyCat, weight);
  std::printf("correlation of the mirrored photo's map and the mirrored map: %.3f\n",
              correlation(mirrored, plain.flip({1})));
  EXPECT_GT(correlation(mirrored, plain.flip({1})), 0.8);
  const auto column_of_peak = [](const torch::Tensor& m) { return m.flatten().argmax().item<int64_t>() % m.size(1); };
  EXPECT_NE(column_of_peak(plain), 3) << "the cat is off centre: the test needs the peak to move";
  EXPECT_NEAR(column_of_peak(mirrored), 6 - column_of_peak(plain), 1);
}

TEST_F(RealHeatMaps, TheStrongestFeatureMapsOfARealPhotoAreNotBlank) {
  const torch::Tensor image = photo(tl::testing::oxford_pets_root() / kCat);
  for (const std::string block : {"features.9", "features.18"}) {
    const tl::BlockFeatureMaps maps = tl::block_feature_maps(*loaded.backbone, image, block, 16);
    ASSERT_EQ(maps.strongest.size(), 16u);
    for (const tl::ChannelMap& channel : maps.strongest) {
      double low = 0, high = 0;
      cv::minMaxLoc(channel.map, &low, &high);
      EXPECT_GT(high - low, 1e-3) << block << " channel " << channel.channel;
    }
  }
}

}  // namespace
