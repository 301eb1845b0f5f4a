#pragma once
// Adversarial examples: a small change to a photo's pixels, bounded by epsilon in every pixel (L∞),
// that changes what the network sees. Targeted projected gradient descent walks toward a chosen
// class; FGSM takes one signed-gradient step away from the photo's own top class.
#include <optional>
#include <string>

#include <torch/types.h>

#include "tl/synthesis/attack_options.hpp"
#include "tl/synthesis/pixel_classifier.hpp"

namespace tl {

struct AttackResult {
  torch::Tensor adversarial;  // [1,3,H,W] in [0,1], 8-bit values within epsilon of the source's
  double linf = 0;            // max |change| in pixel units (an integer: both images are 8-bit)
  double l2 = 0;              // Euclidean norm of the change in pixel units
};

// source: [1,3,H,W] in [0,1] with 8-bit values (PixelClassifier::load_pixels).
AttackResult attack(PixelClassifier& classifier, const torch::Tensor& source, const AttackOptions& options);

// The change magnified so that -epsilon..+epsilon spans black..white, grey where nothing changed.
torch::Tensor perturbation_image(const torch::Tensor& source, const torch::Tensor& adversarial, double epsilon);

}  // namespace tl
