// Choosing what fine-tuning unfreezes from parameter names alone, on the naming schemes of the
// common backbone families.
#include "tl/features/parameter_selection.hpp"

#include <gtest/gtest.h>

#include "tl/base/error.hpp"

namespace {

const std::vector<std::string> kMobileNet = {"features.0.conv.weight",         "features.0.conv.bias",
                                             "features.16.conv.2.conv.weight", "features.17.conv.0.conv.weight",
                                             "features.17.conv.2.conv.bias",   "features.18.conv.weight",
                                             "features.18.conv.bias"};
const std::vector<std::string> kResNet = {"conv1.weight",
                                          "bn1.weight",
                                          "bn1.bias",
                                          "layer1.0.conv1.weight",
                                          "layer4.0.conv1.weight",
                                          "layer4.0.bn1.weight",
                                          "layer4.1.conv2.weight",
                                          "layer4.1.bn2.bias"};

TEST(ParameterSelection, BlocksEndAtTheFirstNumberedModule) {
  EXPECT_EQ(tl::block_of("features.17.conv.0.conv.weight"), "features.17");
  EXPECT_EQ(tl::block_of("layer4.1.bn2.bias"), "layer4.1");
  EXPECT_EQ(tl::block_of("features.28.weight"), "features.28");  // VGG: one layer a block
  EXPECT_EQ(tl::block_of("bn1.weight"), "bn1");
  EXPECT_EQ(tl::block_of("weight"), "weight");
  EXPECT_EQ(tl::backbone_blocks(kResNet),
            (std::vector<std::string>{"conv1", "bn1", "layer1.0", "layer4.0", "layer4.1"}));
}

TEST(ParameterSelection, TheLastBlocksTakeEveryParameterOfThoseBlocks) {
  EXPECT_EQ(tl::parameters_of_last_blocks(kMobileNet, 2),
            (std::vector<std::string>{"features.17.conv.0.conv.weight", "features.17.conv.2.conv.bias",
                                      "features.18.conv.weight", "features.18.conv.bias"}));
  EXPECT_EQ(tl::parameters_of_last_blocks(kResNet, 1),
            (std::vector<std::string>{"layer4.1.conv2.weight", "layer4.1.bn2.bias"}));
  try {
    tl::parameters_of_last_blocks(kResNet, 6);
    FAIL() << "more blocks than there are";
  } catch (const tl::Error& error) {
    EXPECT_NE(std::string(error.what()).find("the backbone has 5"), std::string::npos) << error.what();
  }
}

TEST(ParameterSelection, PatternsAreGlobsOrModulePaths) {
  EXPECT_EQ(tl::parameters_matching(kResNet, {"layer4.*.bn*"}),
            (std::vector<std::string>{"layer4.0.bn1.weight", "layer4.1.bn2.bias"}));
  EXPECT_EQ(tl::parameters_matching(kMobileNet, {"features.18"}),
            (std::vector<std::string>{"features.18.conv.weight", "features.18.conv.bias"}));
  // A module path is whole components: "features.1" is not a prefix of features.16 .. 18.
  EXPECT_THROW(tl::parameters_matching(kMobileNet, {"features.1"}), tl::Error);
}

TEST(ParameterSelection, APatternThatMatchesNothingIsAnErrorNamingIt) {
  try {
    tl::parameters_matching(kResNet, {"layer4", "layer5.*"});
    FAIL() << "layer5 does not exist";
  } catch (const tl::Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("\"layer5.*\" matches no backbone parameter"), std::string::npos) << message;
    EXPECT_NE(message.find("layer4.1"), std::string::npos) << "it shows the names there are";
  }
}

}  // namespace
