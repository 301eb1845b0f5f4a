#pragma once
// Softmax probabilities of one row of logits, computed around the largest logit so that large
// logits neither overflow nor lose precision; shared by every per-image figure (losses, calibration,
// predictions) so that they agree to the last digit.
#include <cstddef>
#include <vector>

namespace tl {

struct ClassProbabilities {
  std::vector<double> probabilities;  // sum to 1
  std::vector<double> log_probabilities;
  int predicted = 0;  // the most probable class (the first of equals)
};

ClassProbabilities class_probabilities(const float* logits, size_t classes);

// The k most probable classes (all of them when there are fewer), most probable first; ties go to
// the lower class index, as the predicted class does.
std::vector<int> most_probable(const ClassProbabilities& row, size_t k);

}  // namespace tl
