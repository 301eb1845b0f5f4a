#pragma once
// How a trained run scores images: the `eval` section, honoured by tl-eval, tl-predict and the module
// tl-export writes.
#include <array>

namespace tl {

// none: one pass per image; flip: the logits of the image and of its left-right mirror are averaged
// (the mirror is taken of the preprocessed crop, so the exported module can do the same to its input).
enum class TestTimeAugmentation { none, flip };
inline constexpr std::array kTestTimeAugmentations{TestTimeAugmentation::none, TestTimeAugmentation::flip};
const char* name_of(TestTimeAugmentation tta);

// temperature: when training ends, one temperature fitted on the validation split (by log loss) is
// folded into the head, so every tool's probabilities are calibrated; none: the head as trained.
enum class ProbabilityCalibration { none, temperature };
inline constexpr std::array kProbabilityCalibrations{ProbabilityCalibration::none, ProbabilityCalibration::temperature};
const char* name_of(ProbabilityCalibration calibration);

struct EvalConfig {
  TestTimeAugmentation tta = TestTimeAugmentation::none;
  ProbabilityCalibration calibration = ProbabilityCalibration::temperature;
};

}  // namespace tl
