// The batch loader: order follows the request for any number of workers, bad files are skipped,
// counted and left untouched, and tensors hold the preprocessed pixels.
#include <mutex>
#include <numeric>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "support/fixtures.hpp"
#include "support/shared_data.hpp"
#include "support/temp_directory.hpp"
#include "tl/base/content_hash.hpp"
#include "tl/base/file_bytes.hpp"
#include "tl/base/random.hpp"
#include "tl/data/image_decoder.hpp"
#include "tl/data/preprocessing.hpp"
#include "tl/data/split.hpp"
#include "tl/features/batch_loader.hpp"
#include "tl/features/cpu_runtime.hpp"

namespace {

using tl::testing::TempDirectory;

tl::Preprocessing small_preprocessing() {
  tl::Preprocessing p;
  p.height = p.width = 16;
  p.resize_shorter = 18;
  return p;
}

std::vector<size_t> all_batches_indices(tl::BatchLoader& loader) {
  std::vector<size_t> indices;
  while (auto batch = loader.next()) {
    EXPECT_EQ(batch->images.size(0), static_cast<int64_t>(batch->sample_indices.size()));
    EXPECT_EQ(batch->labels.size(0), static_cast<int64_t>(batch->sample_indices.size()));
    indices.insert(indices.end(), batch->sample_indices.begin(), batch->sample_indices.end());
  }
  return indices;
}

TEST(BatchLoader, AnExperimentsLoaderTakesItsDataSettings) {
  tl::DataConfig data;
  data.batch_size = 12;
  data.workers = 3;
  data.prefetch = 5;
  const tl::LoaderOptions configured = tl::loader_options(data);
  EXPECT_EQ(configured.batch_size, 12);
  EXPECT_EQ(configured.workers, 3);
  EXPECT_EQ(configured.prefetch, 5);
  data.batch_size = 0;
  EXPECT_EQ(tl::loader_options(data).batch_size, tl::backbone_batch_size(0)) << "0: the batch measured fastest";
  EXPECT_GT(tl::loader_options(data).batch_size, 0);
}

TEST(BatchLoader, YieldsBatchesInTheRequestedOrderWhateverTheWorkers) {
  TempDirectory dir;
  tl::testing::make_image_folder(dir.path(), {"a", "b", "c"}, 9, 24);
  const auto dataset = tl::load_image_folder(dir.path());
  std::vector<size_t> order(dataset.samples.size());
  std::iota(order.begin(), order.end(), 0);
  tl::portable_shuffle(order, 5);
  for (int workers : {1, 2, 5}) {
    for (int prefetch : {1, 3}) {
      tl::SkippedFiles skipped;
      tl::BatchLoader loader(dataset, order, small_preprocessing(), {4, workers, prefetch}, skipped);
      EXPECT_EQ(loader.batch_count(), 7u);
      EXPECT_EQ(all_batches_indices(loader), order) << workers << " workers, prefetch " << prefetch;
      EXPECT_EQ(skipped.count(), 0u);
    }
  }
}

TEST(BatchLoader, TensorsHoldTheSamePixelsAsTheEvalTransform) {
  TempDirectory dir;
  const auto files = tl::testing::make_image_folder(dir.path(), {"a", "b"}, 2, 40);
  const auto dataset = tl::load_image_folder(dir.path());
  tl::SkippedFiles skipped;
  tl::BatchLoader loader(dataset, {3, 0}, small_preprocessing(), {2, 2, 2}, skipped);
  const auto batch = loader.next();
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->labels[0].item<int64_t>(), 1);
  EXPECT_EQ(batch->labels[1].item<int64_t>(), 0);
  std::vector<float> expected(3 * 16 * 16);
  const auto p = small_preprocessing();
  tl::preprocess_for_eval(tl::decode_image_file(dataset.samples[3].path, p.decode_shorter_side()).rgb, p,
                          expected.data());
  const auto first = batch->images[0].contiguous();
  EXPECT_TRUE(torch::equal(first, torch::from_blob(expected.data(), {3, 16, 16})));
  EXPECT_FALSE(loader.next().has_value());
}

// Reading each file once: the loader hashes the bytes it decodes. Images the caller already has
// (`known`) are left out of the batches; the others carry their hash, and an augmentation keyed by
// content gives the pixels of the same keys passed explicitly.
TEST(BatchLoader, ContentLookupHashesTheBytesItDecodesAndLeavesOutKnownImages) {
  TempDirectory dir;
  tl::testing::make_image_folder(dir.path(), {"a", "b"}, 4, 40);
  tl::testing::write_file(dir / "b/empty.jpg", "");
  const auto dataset = tl::load_image_folder(dir.path());
  std::vector<size_t> order(dataset.samples.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<std::string> hashes;
  for (const auto& sample : dataset.samples) {
    const auto file = tl::read_regular_file(sample.path, 1 << 20);
    hashes.push_back(file.bytes ? tl::sha256_bytes(*file.bytes) : "");
  }
  tl::Augmentation augmentation;
  augmentation.horizontal_flip = true;
  augmentation.random_resized_crop = true;
  const auto key_of = [](const std::string& sha256) { return tl::key_of_hash(sha256); };
  tl::LoaderOptions options{3, 2, 2};
  options.augmentation = augmentation;

  const auto cached = [&](size_t index) {  // every third image, as if in a feature cache
    return index % 3 == 0 && std::filesystem::path(dataset.samples[index].path).filename() != "empty.jpg";
  };
  tl::ContentLookup lookup;
  std::mutex mutex;
  std::vector<size_t> asked;
  lookup.known = [&](size_t position, const std::string& sha256) {
    const std::lock_guard<std::mutex> lock(mutex);
    EXPECT_EQ(sha256, hashes[order[position]]);
    asked.push_back(position);
    return cached(order[position]);
  };
  lookup.augmentation_key = key_of;
  tl::SkippedFiles skipped;
  tl::BatchLoader by_content(dataset, order, small_preprocessing(), options, skipped, lookup);

  std::vector<uint64_t> keys;
  for (const size_t index : order) keys.push_back(hashes[index].empty() ? 0 : key_of(hashes[index]));
  tl::SkippedFiles skipped_too;
  tl::BatchLoader by_keys(dataset, order, small_preprocessing(), options, skipped_too, keys);
  std::vector<torch::Tensor> expected;
  std::vector<size_t> expected_indices;
  while (auto batch = by_keys.next()) {
    for (size_t j = 0; j < batch->sample_indices.size(); ++j) {
      if (cached(batch->sample_indices[j])) continue;
      expected.push_back(batch->images[static_cast<int64_t>(j)]);
      expected_indices.push_back(batch->sample_indices[j]);
    }
  }
  std::vector<size_t> indices;
  while (auto batch = by_content.next()) {
    ASSERT_EQ(batch->hashes.size(), batch->sample_indices.size());
    for (size_t j = 0; j < batch->sample_indices.size(); ++j) {
      const size_t index = batch->sample_indices[j];
      EXPECT_EQ(batch->hashes[j], hashes[index]);
      EXPECT_FALSE(cached(index)) << "a known image is not decoded";
      ASSERT_LT(indices.size(), expected.size());
      EXPECT_TRUE(torch::equal(batch->images[static_cast<int64_t>(j)], expected[indices.size()])) << index;
      indices.push_back(index);
    }
  }
  EXPECT_EQ(indices, expected_indices);
  EXPECT_EQ(asked.size(), dataset.samples.size()) << "every file is looked up once";
  EXPECT_EQ(skipped.count(), 1u) << "the empty file does not decode";
}

TEST(BatchLoader, BadFilesAreSkippedCountedAndKept) {
  TempDirectory dir;
  tl::testing::make_image_folder(dir.path(), {"a", "b"}, 3, 24);
  const std::string whole_jpeg = tl::testing::encode(tl::testing::synthetic_picture(30, 30), "jpg");
  tl::testing::write_file(dir / "a/empty.jpg", "");
  tl::testing::write_file(dir / "a/truncated.jpg", whole_jpeg.substr(0, whole_jpeg.size() / 2));
  tl::testing::write_file(dir / "b/text.png", "hello");
  const auto dataset = tl::load_image_folder(dir.path());
  ASSERT_EQ(dataset.samples.size(), 9u);
  std::vector<size_t> order(dataset.samples.size());
  std::iota(order.begin(), order.end(), 0);
  tl::SkippedFiles skipped;
  // Met twice (two epochs' worth), logged and listed once.
  std::vector<size_t> twice = order;
  twice.insert(twice.end(), order.begin(), order.end());
  tl::BatchLoader loader(dataset, twice, small_preprocessing(), {4, 2, 2}, skipped);
  EXPECT_EQ(all_batches_indices(loader).size(), 12u);
  EXPECT_EQ(skipped.count(), 3u);
  for (const char* name : {"a/empty.jpg", "a/truncated.jpg", "b/text.png"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / name)) << name << " must never be deleted";
  }
  const auto json = skipped.to_json();
  EXPECT_EQ(json.size(), 3u);
  EXPECT_FALSE(json[0]["reason"].get<std::string>().empty());
}

TEST(BatchLoader, ABatchOfOnlyBadFilesIsEmptyNotAnError) {
  TempDirectory dir;
  tl::testing::write_file(dir / "a/1.jpg", "");
  tl::testing::write_file(dir / "a/2.jpg", "");
  const auto dataset = tl::load_image_folder(dir.path());
  tl::SkippedFiles skipped;
  tl::BatchLoader loader(dataset, {0, 1}, small_preprocessing(), {2, 1, 1}, skipped);
  const auto batch = loader.next();
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->images.size(0), 0);
  EXPECT_EQ(skipped.count(), 2u);
}

TEST(BatchLoader, StoppingEarlyJoinsTheWorkers) {
  TempDirectory dir;
  tl::testing::make_image_folder(dir.path(), {"a"}, 20, 24);
  const auto dataset = tl::load_image_folder(dir.path());
  std::vector<size_t> order(dataset.samples.size());
  std::iota(order.begin(), order.end(), 0);
  tl::SkippedFiles skipped;
  {
    tl::BatchLoader loader(dataset, order, small_preprocessing(), {2, 3, 2}, skipped);
    ASSERT_TRUE(loader.next().has_value());
  }  // destroyed with batches pending: must not hang or crash
  SUCCEED();
}

}  // namespace
