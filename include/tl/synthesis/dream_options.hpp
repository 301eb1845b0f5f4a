#pragma once
// What a dream asks for: the target class, the optimiser and the weights of its two loss terms.
// Free of LibTorch, so that tl-dream reads its flags into it without compiling against tensors.
#include <array>
#include <cstdint>

namespace tl {

enum class DreamOptimizer { adam, sgd };
inline constexpr std::array kDreamOptimizers{DreamOptimizer::adam, DreamOptimizer::sgd};
const char* name_of(DreamOptimizer optimizer);

struct DreamOptions {
  int target = 0;
  int steps = 300;
  DreamOptimizer optimizer = DreamOptimizer::adam;  // sgd: with momentum 0.9
  double lr = 0.01;
  double ce_weight = 10.0;
  double tv_weight = 0.005;
  int height = 224, width = 224;
  uint64_t seed = 0;  // of the starting noise
  int log_every = 10;
};

}  // namespace tl
