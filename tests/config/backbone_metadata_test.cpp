// Backbone metadata: the real files parse; every missing or malformed field names the file and field.
#include "tl/config/backbone_metadata.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/shared_data.hpp"
#include "support/temp_directory.hpp"
#include "tl/base/error.hpp"

namespace {

using tl::testing::TempDirectory;
using tl::testing::write_file;

std::string error_of(const std::filesystem::path& path) {
  try {
    tl::load_backbone_metadata(path);
  } catch (const tl::Error& error) {
    return error.what();
  }
  return "no error";
}

TEST(BackboneMetadata, AFifoOrDeviceIsRefusedNotWaitedOn) {
  TempDirectory dir;
  ASSERT_EQ(::mkfifo((dir / "fifo.json").c_str(), 0600), 0);
  std::filesystem::create_symlink("/dev/zero", dir / "zero.json");
  EXPECT_EQ(error_of(dir / "fifo.json"), (dir / "fifo.json").string() + ": not a regular file (a FIFO)");
  EXPECT_EQ(error_of(dir / "zero.json"), (dir / "zero.json").string() + ": not a regular file (a character device)");
}

// input_size [8000, 8000] once ran until the kernel killed tl at 23 GB; resize_shorter 1000000 asked
// OpenCV for 3 TB. Both are refused with their limit before any work.
TEST(BackboneMetadata, SizesAreBoundedBeforeAnyWork) {
  TempDirectory dir;
  const auto file = dir / "m.json";
  const std::string rest = R"("mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "color": "RGB", "feature_dim": 8)";
  write_file(file, R"({"input_size": [8000, 8000], )" + rest + "}");
  EXPECT_NE(error_of(file).find("input_size: expected [height, width] of at most 1024 pixels each"), std::string::npos)
      << error_of(file);
  write_file(file, R"({"input_size": [1024, 640], )" + rest + "}");
  EXPECT_EQ(error_of(file), "no error");
  write_file(file, R"({"input_size": 224, "resize_shorter": 1000000, )" + rest + "}");
  EXPECT_NE(error_of(file).find("resize_shorter: expected an integer at least the input size and at most 2048"),
            std::string::npos)
      << error_of(file);
}

TEST(BackboneMetadata, DefaultPathPrefersTheStemJson) {
  TempDirectory dir;
  write_file(dir / "net.pt", "x");
  EXPECT_EQ(tl::default_metadata_path(dir / "net.pt"), dir / "model.json");
  write_file(dir / "net.json", "{}");
  EXPECT_EQ(tl::default_metadata_path(dir / "net.pt"), dir / "net.json");
}

TEST(BackboneMetadata, ErrorsNameTheFileAndField) {
  TempDirectory dir;
  const auto file = dir / "m.json";
  EXPECT_NE(error_of(file).find(file.string() + ": backbone metadata not found"), std::string::npos);
  write_file(file, "{not json");
  EXPECT_NE(error_of(file).find("backbone metadata is not valid JSON"), std::string::npos);
  write_file(file, R"({"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "color": "RGB", "feature_dim": 8})");
  EXPECT_EQ(error_of(file),
            file.string() +
                ": input_size: expected [height, width] in pixels (missing). tl needs input_size [H, W], "
                "mean [3], std [3], color (RGB|BGR) and feature_dim to use a backbone");
  write_file(file, R"({"input_size": [224, 224], "mean": [0.5, 0.5], "std": [0.5, 0.5, 0.5], "color": "RGB",
                       "feature_dim": 8})");
  EXPECT_NE(error_of(file).find("mean: expected a list of 3 numbers, got [0.5,0.5]"), std::string::npos);
  write_file(file, R"({"input_size": 224, "mean": [0.5, 0.5, 0.5], "std": [0.5, 0, 0.5], "color": "RGB",
                       "feature_dim": 8})");
  EXPECT_NE(error_of(file).find("std: expected a list of 3 positive numbers"), std::string::npos);
  write_file(file, R"({"input_size": 224, "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "color": "YUV",
                       "feature_dim": 8})");
  EXPECT_NE(error_of(file).find("color: expected \"RGB\" or \"BGR\", got \"YUV\""), std::string::npos);
  write_file(file, R"({"input_size": 224, "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "color": "BGR",
                       "feature_dim": 8, "interpolation": "lanczos"})");
  EXPECT_NE(error_of(file).find("interpolation: expected one of linear|area|cubic|antialias"), std::string::npos);
}

}  // namespace
