#pragma once
// What makes a training run this run, recorded in its checkpoints so that --resume continues only
// the run that wrote them: the resolved config without the settings of where and how fast it runs
// (device, threads, cache, data loading, where the data and backbones are), and a digest of its split
// (which file, relative to data.root, is in which split with which label). A copied-in last.pt, an
// edited config.json or changed data are refused with what differs.
#include <string>

#include <nlohmann/json.hpp>

#include "tl/config/experiment.hpp"
#include "tl/data/dataset.hpp"
#include "tl/data/split.hpp"

namespace tl {

nlohmann::json run_identity(const Experiment& experiment, const Dataset& dataset, const Split& split);

// Empty when `now` is the run `recorded` describes; else the differences, e.g.
// "train.optimizer.lr: 0.01 then, 0.1 now; the split (files, or their labels, changed in data.root)".
std::string run_identity_differences(const nlohmann::json& recorded, const nlohmann::json& now);

}  // namespace tl
