// Backbones: each way a user's file can be wrong gives an error naming it; a loaded backbone is
// frozen (bit-identical features before and after head training, BatchNorm statistics untouched).
#include "tl/features/backbone.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "support/fixtures.hpp"
#include "support/temp_directory.hpp"
#include "tl/base/error.hpp"

namespace {

using tl::testing::tiny_backbones;

std::unique_ptr<tl::Backbone> load(const std::string& name, const std::string& metadata_name = "") {
  const auto metadata =
      tl::load_backbone_metadata(tiny_backbones() / ((metadata_name.empty() ? name : metadata_name) + ".json"));
  return tl::load_torchscript_backbone(tiny_backbones() / (name + ".pt"), metadata, 32, 32, torch::kCPU);
}

std::string error_of(const std::string& name, const std::string& metadata_name = "") {
  try {
    load(name, metadata_name.empty() ? "tiny" : metadata_name);
  } catch (const tl::Error& error) {
    return error.what();
  }
  return "no error";
}

TEST(Backbone, FourDimensionalOutputIsPooled) {
  auto pooled_inside = load("flat");
  auto pooled_by_tl = load("tiny");
  EXPECT_EQ(pooled_by_tl->feature_dim(), 8);
  const auto images = torch::randn({3, 3, 32, 32});
  const auto features = pooled_by_tl->features(images);
  EXPECT_EQ(features.sizes(), (std::vector<int64_t>{3, 8}));
  EXPECT_TRUE(torch::allclose(features, pooled_inside->features(images), 1e-6, 1e-6));
  EXPECT_EQ(pooled_by_tl->content_hash().size(), 64u);
}

TEST(Backbone, EachBadBackboneNamesTheFileAndTheProblem) {
  const auto dir = tiny_backbones().string();
  EXPECT_EQ(error_of("absent").rfind(dir + "/absent.pt: backbone file not found; export one with "
                                           "tools/export_backbone.py",
                                     0),
            0u)
      << "the error names the fix: " << error_of("absent");
  EXPECT_NE(error_of("not_torchscript").find(dir + "/not_torchscript.pt: not a TorchScript file LibTorch can load"),
            std::string::npos);
  EXPECT_NE(error_of("three_d").find(dir + "/three_d.pt: backbone output has shape [1, 8, 256] for one image"),
            std::string::npos);
  EXPECT_NE(error_of("pair").find(dir + "/pair.pt: backbone returns Tuple"), std::string::npos);
  EXPECT_EQ(error_of("tiny", "wrong_dim"),
            dir + "/tiny.pt: backbone produces 8 features but " + dir + "/wrong_dim.json says feature_dim 16");
}

// LibTorch loads a backbone with flipped bytes without a word, and then computes garbage.
TEST(Backbone, ADamagedBackboneFileIsRefusedBeforeLibTorchReadsIt) {
  tl::testing::TempDirectory dir;
  std::string bytes = tl::testing::read_file(tiny_backbones() / "tiny.pt");
  // The first byte of the first tensor's data: after its local header ("PK\3\4", 30 bytes), name and extra field.
  const size_t name_at = bytes.find("/data/0");
  const size_t header = bytes.rfind(std::string("PK\x03\x04"), name_at);
  ASSERT_NE(header, std::string::npos);
  const auto field = [&](size_t at) {
    return static_cast<size_t>(static_cast<unsigned char>(bytes[at])) +
           (static_cast<size_t>(static_cast<unsigned char>(bytes[at + 1])) << 8);
  };
  bytes[header + 30 + field(header + 26) + field(header + 28)] ^= 0x20;
  tl::testing::write_file(dir / "damaged.pt", bytes);
  try {
    tl::load_torchscript_backbone(dir / "damaged.pt", tl::load_backbone_metadata(tiny_backbones() / "tiny.json"), 32,
                                  32, torch::kCPU);
    FAIL() << "loaded a damaged file";
  } catch (const tl::Error& error) {
    EXPECT_NE(std::string(error.what()).find("damaged.pt: not a TorchScript file LibTorch can load: entry "),
              std::string::npos)
        << error.what();
  }
}

TEST(Backbone, ABackboneWithoutMetadataSaysWhatToSupply) {
  tl::testing::TempDirectory dir;
  std::filesystem::copy_file(tiny_backbones() / "tiny.pt", dir / "mine.pt");
  try {
    tl::load_backbone({dir / "mine.pt", std::nullopt, std::nullopt}, tl::DataConfig{}, torch::kCPU);
    FAIL() << "expected an error";
  } catch (const tl::Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find((dir / "mine.pt").string() + ": no metadata for this backbone (looked for " +
                           (dir / "mine.json").string() + " and " + (dir / "model.json").string() + ")"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("input_size [H, W], mean [3], std [3], color (RGB|BGR) and feature_dim"), std::string::npos);
    EXPECT_NE(message.find("in the config as a mapping under model.metadata"), std::string::npos);
  }
}

TEST(Backbone, InlineMetadataStandsInForTheJson) {
  tl::testing::TempDirectory dir;
  std::filesystem::copy_file(tiny_backbones() / "tiny.pt", dir / "mine.pt");
  tl::BackboneSource source{dir / "mine.pt", std::nullopt, tl::load_backbone_metadata(tiny_backbones() / "tiny.json")};
  const auto loaded = tl::load_backbone(source, tl::DataConfig{}, torch::kCPU);
  EXPECT_EQ(loaded.backbone->feature_dim(), 8);
  EXPECT_EQ(loaded.preprocessing.height, 32);
}

TEST(Backbone, FrozenFeaturesAreBitIdenticalAfterHeadTraining) {
  auto backbone = load("tiny");
  torch::manual_seed(1);
  const auto probe = torch::randn({4, 3, 32, 32});
  const auto before = backbone->features(probe).clone();

  torch::nn::Linear head(8, 2);
  auto optimizer = std::make_unique<torch::optim::SGD>(head->parameters(), torch::optim::SGDOptions(0.5).momentum(0.9));
  for (int step = 0; step < 5; ++step) {
    // Batches with statistics far from BatchNorm's running ones: training mode would move them.
    const auto images = torch::randn({8, 3, 32, 32}) * 5 + 3;
    const auto labels = torch::randint(0, 2, {8}, torch::kInt64);
    optimizer->zero_grad();
    const auto features = backbone->features(images);
    EXPECT_FALSE(features.requires_grad());
    const auto loss = torch::nn::functional::cross_entropy(head->forward(features), labels);
    loss.backward();
    optimizer->step();
  }
  EXPECT_TRUE(torch::equal(backbone->features(probe), before));
}

}  // namespace

namespace {

// One optimisation step of the backbone's unfrozen parameters towards larger features.
void step_towards_larger_features(tl::Backbone& backbone, const std::vector<torch::Tensor>& trained) {
  torch::optim::SGD optimizer(trained, torch::optim::SGDOptions(0.1));
  backbone.set_training(true);
  optimizer.zero_grad();
  (-backbone.differentiable_features(torch::randn({4, 3, 32, 32})).sum()).backward();
  optimizer.step();
  backbone.set_training(false);
}

TEST(BackboneFineTuning, OnlyTheUnfrozenParametersChangeAndTheirStateReloads) {
  torch::manual_seed(1);
  auto backbone = load("tiny");
  EXPECT_EQ(backbone->parameter_names(),
            (std::vector<std::string>{"conv.weight", "conv.bias", "bn.weight", "bn.bias"}));
  EXPECT_TRUE(backbone->tuned_state().empty()) << "a frozen backbone has nothing tuned";
  const auto images = torch::randn({2, 3, 32, 32});
  const auto before = backbone->features(images);

  const auto trained = backbone->unfreeze({"bn.weight", "bn.bias"}, /*batch_norm_trains=*/false);
  ASSERT_EQ(trained.size(), 2u);
  step_towards_larger_features(*backbone, trained);
  const auto after = backbone->features(images);
  EXPECT_FALSE(torch::allclose(before, after)) << "training changed the features";

  tl::NamedTensors state = backbone->tuned_state();
  std::vector<std::string> names;
  for (const auto& [name, tensor] : state) names.push_back(name);
  // The BatchNorm module's buffers travel with its parameters; the conv's do not exist.
  EXPECT_EQ(names, (std::vector<std::string>{"bn.weight", "bn.bias", "bn.running_mean", "bn.running_var",
                                             "bn.num_batches_tracked"}));
  auto fresh = load("tiny");
  EXPECT_TRUE(torch::allclose(fresh->features(images), before)) << "the file itself is unchanged";
  fresh->load_tuned_state(state, "test");
  EXPECT_TRUE(torch::equal(fresh->features(images), after)) << "file + tuned state = the tuned backbone";
}

TEST(BackboneFineTuning, BatchNormStatisticsMoveOnlyWhenBatchNormTrains) {
  torch::manual_seed(2);
  for (const bool batch_norm_trains : {false, true}) {
    auto backbone = load("tiny");
    const auto trained = backbone->unfreeze({"bn.weight", "bn.bias"}, batch_norm_trains);
    const auto running_mean = [&] {
      for (const auto& [name, tensor] : backbone->tuned_state()) {
        if (name == "bn.running_mean") return tensor;
      }
      return torch::Tensor();
    };
    const auto before = running_mean();
    step_towards_larger_features(*backbone, trained);
    EXPECT_EQ(!torch::equal(before, running_mean()), batch_norm_trains) << "bn trains: " << batch_norm_trains;
  }
}

TEST(BackboneFineTuning, AStateForAnotherBackboneIsAClearError) {
  auto backbone = load("tiny");
  try {
    backbone->load_tuned_state({{"layer4.0.conv1.weight", torch::zeros({2})}}, "run/best.pt");
    FAIL() << "no such tensor";
  } catch (const tl::Error& error) {
    EXPECT_NE(std::string(error.what()).find("run/best.pt: tuned backbone tensor layer4.0.conv1.weight is not in"),
              std::string::npos)
        << error.what();
  }
  EXPECT_THROW(backbone->load_tuned_state({{"bn.weight", torch::zeros({3})}}, "run/best.pt"), tl::Error);
}

// The frozen-prefix cut (fine-tuning's shortcut): prefix then suffix gives the whole backbone's
// features and gradients, inside nn.Sequential containers too; where the forward is not the chain
// of the modules, or nothing stays frozen before the first trained module, there is no cut.
TEST(BackboneFrozenPrefix, PrefixThenSuffixIsTheWholeBackbone) {
  torch::manual_seed(3);
  const auto images = torch::randn({3, 3, 32, 32});
  struct Case {
    std::string backbone;
    std::vector<std::string> unfrozen;
    std::string cut;
    std::vector<int64_t> activation_shape;
  };
  for (const Case& c : {Case{"tiny", {"bn.weight", "bn.bias"}, "bn", {8, 16, 16}},
                        Case{"flat", {"bn.weight", "bn.bias"}, "bn", {8, 16, 16}},
                        Case{"stack", {"features.2.conv.weight", "features.2.bn.weight"}, "features.2", {8, 8, 8}},
                        Case{"stack", {"features.1.bn.bias"}, "features.1", {8, 16, 16}}}) {
    auto backbone = load(c.backbone, "tiny");
    const auto trained = backbone->unfreeze(c.unfrozen, /*batch_norm_trains=*/false);
    std::string why_not;
    const auto prefix = backbone->split_frozen_prefix(32, 32, why_not);
    ASSERT_TRUE(prefix) << c.backbone << ": " << why_not;
    EXPECT_EQ(prefix->cut, c.cut) << c.backbone;
    EXPECT_EQ(prefix->activation_shape, c.activation_shape) << c.backbone;
    const auto activations = backbone->prefix_activations(images);
    EXPECT_EQ(activations.size(0), 3);
    EXPECT_FALSE(activations.requires_grad());

    const auto whole = backbone->differentiable_features(images);
    whole.sum().backward();
    std::vector<torch::Tensor> whole_gradients;
    for (const auto& parameter : trained) whole_gradients.push_back(parameter.grad().clone());
    for (const auto& parameter : trained) parameter.mutable_grad().zero_();

    const auto cut = backbone->features_from_prefix(activations);
    EXPECT_TRUE(torch::allclose(cut, whole, 1e-5, 1e-6)) << c.backbone;
    cut.sum().backward();
    for (size_t i = 0; i < trained.size(); ++i) {
      EXPECT_TRUE(torch::allclose(trained[i].grad(), whole_gradients[i], 1e-4, 1e-6)) << c.backbone << " " << i;
    }
  }
}

TEST(BackboneFrozenPrefix, NoCutWhereTheForwardIsNotTheChainOrNothingStaysFrozen) {
  const auto reason = [](const std::string& name, const std::vector<std::string>& unfrozen) {
    auto backbone = load(name, "tiny");
    backbone->unfreeze(unfrozen, false);
    std::string why_not;
    EXPECT_FALSE(backbone->split_frozen_prefix(32, 32, why_not)) << name;
    return why_not;
  };
  EXPECT_EQ(reason("scaled", {"bn.weight"}), "its forward is not the chain of its modules (checked on a probe batch)");
  EXPECT_EQ(reason("tiny", {"conv.weight", "bn.weight"}),
            "its first module (conv) trains, so nothing before it stays fixed");
  EXPECT_EQ(reason("stack", {"features.0.bn.bias"}),
            "its first module (features.0) trains, so nothing before it stays fixed");
}

std::vector<std::string> names_of(const std::vector<tl::SpatialBlock>& blocks) {
  std::vector<std::string> names;
  for (const tl::SpatialBlock& block : blocks) names.push_back(block.name);
  return names;
}

TEST(Backbone, SpatialBlocksAreTheModulesOfItsChainInForwardOrder) {
  auto stack = load("stack", "tiny");
  const std::vector<tl::SpatialBlock> blocks = stack->spatial_blocks(32, 32);
  EXPECT_EQ(names_of(blocks), (std::vector<std::string>{"features.0", "features.1", "features.2"}));
  EXPECT_EQ(names_of(load("tiny")->spatial_blocks(32, 32)), (std::vector<std::string>{"conv", "bn", "relu"}));
  EXPECT_EQ(blocks[1].shape, (std::vector<int64_t>{8, 8, 8})) << "one image's output, as through_block gives it";
  // Pooled inside: its last module's output is no longer a map.
  const auto images = torch::randn({2, 3, 32, 32}, at::detail::createCPUGenerator(3));
  const tl::BlockOutput middle = stack->through_block(images, "features.1");
  EXPECT_EQ(middle.activations.sizes(), (std::vector<int64_t>{2, 8, 8, 8}));
  EXPECT_TRUE(middle.activations.requires_grad());
  EXPECT_TRUE(torch::allclose(middle.features, stack->features(images), 1e-5, 1e-6));
  middle.features.sum().backward();
  EXPECT_TRUE(middle.activations.grad().defined()) << "gradients reach the block's activations";
}

TEST(Backbone, BlocksOfABackboneWhoseForwardIsNotItsChainAreRefusedByName) {
  try {
    load("scaled", "tiny")->spatial_blocks(32, 32);
    FAIL() << "no error";
  } catch (const tl::Error& error) {
    EXPECT_NE(std::string(error.what()).find("scaled.pt"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("not the chain of its modules"), std::string::npos) << error.what();
  }
  try {
    load("stack", "tiny")->through_block(torch::zeros({1, 3, 32, 32}), "features.7");
    FAIL() << "no error";
  } catch (const tl::Error& error) {
    EXPECT_NE(std::string(error.what()).find("features.0, features.1, features.2"), std::string::npos) << error.what();
  }
}

}  // namespace
