#pragma once
// What a dataset holds, before training on it (tl-info data): images per class in each split as
// tl-train would make it, how unbalanced the training classes are, the files ignored by name and,
// when asked, every file that does not decode (what a run would skip).
#include <nlohmann/json.hpp>

#include "tl/data/dataset.hpp"
#include "tl/data/split.hpp"

namespace tl {

struct DescriptionOptions {
  bool decode_every_image = false;  // slow on a large dataset: each file is read and decoded
  int threads = 1;                  // for decoding
};

nlohmann::json describe_dataset(const Dataset& dataset, const Split& split, const DescriptionOptions& options);

}  // namespace tl
