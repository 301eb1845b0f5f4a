#pragma once
// The network: a backbone file with its metadata, and the head trained on its features.
#include <array>
#include <cmath>
#include <filesystem>
#include <optional>
#include <vector>

#include "tl/config/backbone_metadata.hpp"

namespace tl {

// linear and mlp train by epochs of the configured optimizer; logistic is multinomial logistic
// regression solved to convergence by full-batch L-BFGS (the linear-probe protocol of Kornblith et
// al. 2019 and CLIP), an L2 strength chosen on held-out images. logistic is the default: on the
// shared data it beat the Adam-trained heads from the same features by 3 to 10 points.
enum class HeadType { linear, mlp, logistic };
inline constexpr std::array kHeadTypes{HeadType::linear, HeadType::mlp, HeadType::logistic};
const char* name_of(HeadType type);

// The logistic head's default L2 grid: 10^-6 ... 10^1 in half decades. The penalty is
// l2/2 * |W|^2 beside the mean cross-entropy (the bias is not penalised).
inline std::vector<double> default_l2_grid() {
  std::vector<double> grid;
  for (int half_decades = -12; half_decades <= 2; ++half_decades) grid.push_back(std::pow(10.0, half_decades / 2.0));
  return grid;
}

struct HeadConfig {
  HeadType type = HeadType::logistic;
  std::vector<int> hidden{512};  // mlp only
  double dropout = 0.0;          // linear and mlp
  // logistic only: the L2 strengths tried (one value: no choice to make), features standardised by
  // the fitted rows' mean and standard deviation (folded into the weights afterwards, so a checkpoint
  // holds a plain linear layer), and the bound on L-BFGS iterations per fit.
  std::vector<double> l2;
  bool standardize = true;
  int max_iterations = 500;
};

// What the frozen backbones' feature passes compute in. bfloat16 halves the bytes every layer moves
// and runs on the AVX512_BF16/AMX instructions of recent CPUs (2.3x float32 for MobileNetV2 on an
// AMD EPYC here) but is emulated, and slower, elsewhere; automatic measures both on the machine and
// keeps bfloat16 only where it is faster and its features match float32's (feature_precision.hpp).
// Whatever trains (the head, fine-tuned blocks) and whatever takes gradients stays float32.
enum class Precision { automatic, float32, bfloat16 };
inline constexpr std::array kPrecisions{Precision::automatic, Precision::float32, Precision::bfloat16};
const char* name_of(Precision precision);

// One backbone file and where its metadata comes from: a JSON file (default: <backbone stem>.json or
// model.json beside the backbone) or the fields themselves, for a backbone that comes without tl's JSON.
struct BackboneSource {
  std::filesystem::path file;
  std::optional<std::filesystem::path> metadata;
  std::optional<BackboneMetadata> inline_metadata;
};

struct ModelConfig {
  // model.backbone: one file or a list. With several, the head is trained on their features
  // concatenated in this order, each backbone fed with its own preprocessing (the feature-ensemble
  // probe of Kornblith et al. 2019); fine-tuning, tl-dream and tl-attack need exactly one.
  std::vector<BackboneSource> backbones;
  HeadConfig head;
  Precision precision = Precision::automatic;
};

}  // namespace tl
