// The backbones of a run as summary.json records them: written and read by one type, in both forms.
#include "tl/run/backbone_summary.hpp"

#include <gtest/gtest.h>

#include "tl/base/error.hpp"

namespace {

TEST(BackboneSummary, OneBackboneIsItsOwnObject) {
  tl::BackboneSummary record;
  record.parts = {{"models/v2.pt", "abc", 1280}};
  const nlohmann::json written = record.to_json();
  EXPECT_EQ(written, nlohmann::json({{"path", "models/v2.pt"}, {"sha256", "abc"}, {"feature_dim", 1280}}));
  const tl::BackboneSummary read = tl::BackboneSummary::from_json(written);
  ASSERT_EQ(read.parts.size(), 1u);
  EXPECT_EQ(read.parts[0].path, "models/v2.pt");
  EXPECT_EQ(read.parts[0].sha256, "abc");
  EXPECT_EQ(read.feature_dim(), 1280);
}

TEST(BackboneSummary, SeveralAreConcatenatedInOrderWithTheirTotal) {
  tl::BackboneSummary record;
  record.parts = {{"v2.pt", "a", 1280}, {"v1.pt", "b", 1024}};
  const nlohmann::json written = record.to_json();
  EXPECT_EQ(written["feature_dim"], 2304);
  ASSERT_EQ(written["concatenated"].size(), 2u);
  const tl::BackboneSummary read = tl::BackboneSummary::from_json(written);
  ASSERT_EQ(read.parts.size(), 2u);
  EXPECT_EQ(read.parts[1].path, "v1.pt");
  EXPECT_EQ(read.feature_dim(), 2304);
}

TEST(BackboneSummary, AMalformedRecordNamesTheField) {
  const auto message = [](const nlohmann::json& recorded) {
    try {
      tl::BackboneSummary::from_json(recorded);
    } catch (const tl::Error& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(nullptr), "backbone: expected an object with path, sha256 and feature_dim");
  EXPECT_EQ(message({{"path", "v2.pt"}, {"sha256", "a"}, {"feature_dim", "wide"}}),
            "backbone.feature_dim: missing, or not an integer");
  EXPECT_EQ(message({{"concatenated", nlohmann::json::array()}}),
            "backbone.concatenated: expected a list of the backbones");
  EXPECT_EQ(message({{"concatenated", {{{"path", "v2.pt"}, {"feature_dim", 3}}}}}),
            "backbone.concatenated[0].sha256: missing, or not a string");
}

}  // namespace
