#pragma once
// Class weights for imbalanced data: each class's loss weighted by the inverse of its share of the
// training samples, so every class contributes equally to the loss (scikit-learn's "balanced").
#include <cstdint>

#include <torch/types.h>

namespace tl {

// weights[c] = samples / (classes present * count[c]); 0 for a class with no samples.
torch::Tensor balanced_class_weights(const torch::Tensor& labels, int64_t classes);

}  // namespace tl
