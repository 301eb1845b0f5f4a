// Feature extraction with the cache: cached features equal recomputed ones, and invalidation is
// exact: a changed image, backbone file or preprocessing setting never reuses stale features.
#include "tl/features/feature_extraction.hpp"

#include <numeric>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "support/fixtures.hpp"
#include "support/shared_data.hpp"
#include "support/temp_directory.hpp"

namespace {

using tl::testing::TempDirectory;

class CachedExtraction : public ::testing::Test {
 protected:
  void SetUp() override {
    tl::testing::make_image_folder(dir / "data", {"a", "b"}, 6, 40);
    std::filesystem::copy_file(tl::testing::tiny_backbones() / "tiny.pt", dir / "tiny.pt");
    metadata = tl::load_backbone_metadata(tl::testing::tiny_backbones() / "tiny.json");
    preprocessing = metadata.preprocessing();
    dataset = tl::load_image_folder(dir / "data");
    all.resize(dataset.samples.size());
    std::iota(all.begin(), all.end(), 0);
  }

  tl::FeatureSet extract(const std::filesystem::path& backbone_file, const tl::Preprocessing& p, bool use_cache) {
    auto backbone = tl::load_torchscript_backbone(backbone_file, metadata, p.height, p.width, torch::kCPU);
    tl::FeatureCache cache(dir / "cache", backbone->content_hash(), p.describe());
    tl::SkippedFiles skipped;
    return tl::extract_features(*backbone, dataset, all, p, {5, 2, 2}, skipped, use_cache ? &cache : nullptr, "test");
  }

  TempDirectory dir;
  tl::BackboneMetadata metadata;
  tl::Preprocessing preprocessing;
  tl::Dataset dataset;
  std::vector<size_t> all;
};

TEST_F(CachedExtraction, SecondPassComesFromTheCacheAndMatchesRecomputing) {
  const auto first = extract(dir / "tiny.pt", preprocessing, true);
  EXPECT_EQ(first.computed, 12);
  const auto second = extract(dir / "tiny.pt", preprocessing, true);
  EXPECT_EQ(second.computed, 0);
  EXPECT_TRUE(torch::equal(second.features, first.features));
  EXPECT_TRUE(torch::equal(second.labels, first.labels));
  EXPECT_EQ(second.sample_indices, first.sample_indices);
  const auto uncached = extract(dir / "tiny.pt", preprocessing, false);
  EXPECT_EQ(uncached.computed, 12);
  EXPECT_TRUE(torch::allclose(uncached.features, second.features, 1e-5, 1e-6));
}

TEST_F(CachedExtraction, AChangedImageIsRecomputed) {
  const auto first = extract(dir / "tiny.pt", preprocessing, true);
  const auto& changed = dataset.samples[3].path;
  cv::Mat different = tl::testing::synthetic_picture(40, 40, 99);
  tl::testing::write_file(changed, tl::testing::encode(different, "jpg"));
  const auto second = extract(dir / "tiny.pt", preprocessing, true);
  EXPECT_EQ(second.computed, 1);
  EXPECT_FALSE(torch::equal(second.features[3], first.features[3]));
  EXPECT_TRUE(torch::equal(second.features[2], first.features[2]));
}

TEST_F(CachedExtraction, AChangedBackboneFileIsRecomputed) {
  extract(dir / "tiny.pt", preprocessing, true);
  // Same path, other content: flat.pt has the same weights but pools inside the network.
  std::filesystem::copy_file(tl::testing::tiny_backbones() / "flat.pt", dir / "tiny.pt",
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(extract(dir / "tiny.pt", preprocessing, true).computed, 12);
}

TEST_F(CachedExtraction, AChangedPreprocessingSettingIsRecomputed) {
  extract(dir / "tiny.pt", preprocessing, true);
  for (auto change : std::vector<std::function<void(tl::Preprocessing&)>>{
           [](tl::Preprocessing& p) { p.interpolation = tl::Interpolation::area; },
           [](tl::Preprocessing& p) { p.resize_shorter += 4; }, [](tl::Preprocessing& p) { p.mean[1] = 0.4f; },
           [](tl::Preprocessing& p) { p.channel_order = tl::ChannelOrder::bgr; }}) {
    tl::Preprocessing changed = preprocessing;
    change(changed);
    EXPECT_EQ(extract(dir / "tiny.pt", changed, true).computed, 12) << changed.describe();
  }
}

TEST_F(CachedExtraction, ADamagedEntryIsRecomputedNotTrusted) {
  const auto first = extract(dir / "tiny.pt", preprocessing, true);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir / "cache")) {
    if (entry.path().extension() != ".feat") continue;
    std::string bytes = tl::testing::read_file(entry.path());
    bytes[bytes.size() - 1] ^= 0x7f;
    tl::testing::write_file(entry.path(), bytes);
    break;
  }
  const auto second = extract(dir / "tiny.pt", preprocessing, true);
  EXPECT_EQ(second.computed, 1);
  EXPECT_TRUE(torch::allclose(second.features, first.features, 1e-5, 1e-6));
  EXPECT_EQ(extract(dir / "tiny.pt", preprocessing, true).computed, 0) << "the entry was rewritten";
}

TEST_F(CachedExtraction, UndecodableFilesAreSkippedAndNeverCached) {
  tl::testing::write_file(dir / "data/a/broken.jpg", "not an image");
  dataset = tl::load_image_folder(dir / "data");
  all.resize(dataset.samples.size());
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(extract(dir / "tiny.pt", preprocessing, true).size(), 12);
  const auto again = extract(dir / "tiny.pt", preprocessing, true);
  EXPECT_EQ(again.size(), 12);
  EXPECT_EQ(again.computed, 0);
}

// Several backbones over the same images: columns in pass order, only the rows every pass decoded.
TEST(ConcatenatedFeatures, KeepTheRowsEveryPassHasWithColumnsInPassOrder) {
  tl::FeatureSet first;
  first.features = torch::tensor({1.0f, 2.0f, 3.0f}).view({3, 1});
  first.labels = torch::tensor({0, 1, 0}, torch::kInt64);
  first.sample_indices = {4, 7, 9};
  first.seconds = 1.5;
  first.computed = 3;
  tl::FeatureSet second;  // file 7 failed to decode at this backbone's size
  second.features = torch::tensor({40.0f, 41.0f, 90.0f, 91.0f}).view({2, 2});
  second.labels = torch::tensor({0, 0}, torch::kInt64);
  second.sample_indices = {4, 9};
  second.seconds = 0.5;
  second.computed = 0;

  const tl::FeatureSet joined = tl::concatenate_features({first, second});
  EXPECT_EQ(joined.sample_indices, (std::vector<size_t>{4, 9}));
  EXPECT_TRUE(torch::equal(joined.features, torch::tensor({1.0f, 40.0f, 41.0f, 3.0f, 90.0f, 91.0f}).view({2, 3})));
  EXPECT_TRUE(torch::equal(joined.labels, torch::tensor({0, 0}, torch::kInt64)));
  EXPECT_DOUBLE_EQ(joined.seconds, 2.0);
  EXPECT_EQ(joined.computed, 3);
}

}  // namespace
