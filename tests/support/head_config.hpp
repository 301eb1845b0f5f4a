#pragma once
// A head's config spelled in one call, for tests that build heads directly.
#include <utility>
#include <vector>

#include "tl/config/model_options.hpp"

namespace tl::testing {

inline HeadConfig head_config(HeadType type, std::vector<int> hidden = {}, double dropout = 0.0) {
  HeadConfig config;
  config.type = type;
  config.hidden = std::move(hidden);
  config.dropout = dropout;
  return config;
}

}  // namespace tl::testing
