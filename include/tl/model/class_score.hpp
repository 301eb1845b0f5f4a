#pragma once
// One class of a classifier's output with its probability, as prediction, the dreamer and the
// attack report them.
#include <string>

namespace tl {

struct ClassScore {
  std::string name;
  int index = 0;
  double probability = 0;
};

}  // namespace tl
