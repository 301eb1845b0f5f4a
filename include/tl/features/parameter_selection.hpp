#pragma once
// Parameter selection for fine-tuning: which of a backbone's named parameters unfreeze, from names
// alone, so it works on any TorchScript backbone. A block is the module a parameter sits in up to
// the first numbered path component ("features.17.conv.0.weight" -> "features.17", "layer4.1.bn2.weight"
// -> "layer4.1"); a parameter with no numbered component is a block of its own module ("conv1.weight"
// -> "conv1"). Blocks are ordered by their first parameter, which is the order modules were built
// in and, for the usual sequential backbones, the order the forward pass visits them.
#include <string>
#include <vector>

namespace tl {

std::string block_of(const std::string& parameter_name);

// Distinct blocks in order of first appearance.
std::vector<std::string> backbone_blocks(const std::vector<std::string>& parameter_names);

// The parameters of the last `count` blocks; throws tl::Error when the backbone has fewer blocks.
std::vector<std::string> parameters_of_last_blocks(const std::vector<std::string>& parameter_names, int count);

// The parameters matching any pattern: glob ('*', '?', '[...]') against the whole name, or a module
// path that the name lies under ("features.17" takes "features.17.conv.0.weight"). Throws tl::Error
// naming a pattern that matches nothing, with some of the names there are.
std::vector<std::string> parameters_matching(const std::vector<std::string>& parameter_names,
                                             const std::vector<std::string>& patterns);

}  // namespace tl
