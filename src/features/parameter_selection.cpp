#include "tl/features/parameter_selection.hpp"

#include <algorithm>
#include <cctype>

#include <fnmatch.h>

#include "tl/base/error.hpp"

namespace tl {
namespace {

bool is_number(const std::string& component) {
  return !component.empty() &&
         std::all_of(component.begin(), component.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool matches(const std::string& name, const std::string& pattern) {
  if (fnmatch(pattern.c_str(), name.c_str(), 0) == 0) return true;
  return name.size() > pattern.size() && name.compare(0, pattern.size(), pattern) == 0 && name[pattern.size()] == '.';
}

std::string some_blocks(const std::vector<std::string>& parameter_names) {
  const auto blocks = backbone_blocks(parameter_names);
  std::string text;
  const size_t shown = std::min<size_t>(blocks.size(), 6);
  for (size_t i = blocks.size() - shown; i < blocks.size(); ++i) text += (text.empty() ? "" : ", ") + blocks[i];
  return text;
}

}  // namespace

std::string block_of(const std::string& parameter_name) {
  std::string block;
  size_t start = 0;
  while (true) {
    const size_t dot = parameter_name.find('.', start);
    if (dot == std::string::npos) break;  // the last component names the tensor, not a module
    const std::string component = parameter_name.substr(start, dot - start);
    block += (block.empty() ? "" : ".") + component;
    if (is_number(component)) return block;
    start = dot + 1;
  }
  return block.empty() ? parameter_name : block;
}

std::vector<std::string> backbone_blocks(const std::vector<std::string>& parameter_names) {
  std::vector<std::string> blocks;
  for (const auto& name : parameter_names) {
    const std::string block = block_of(name);
    if (std::find(blocks.begin(), blocks.end(), block) == blocks.end()) blocks.push_back(block);
  }
  return blocks;
}

std::vector<std::string> parameters_of_last_blocks(const std::vector<std::string>& parameter_names, int count) {
  const auto blocks = backbone_blocks(parameter_names);
  if (count > static_cast<int>(blocks.size())) {
    throw Error("train.fine_tune.unfreeze_blocks: " + std::to_string(count) + " blocks asked for, the backbone has " +
                std::to_string(blocks.size()) + " (the last ones: " + some_blocks(parameter_names) + ")");
  }
  const std::vector<std::string> chosen(blocks.end() - count, blocks.end());
  std::vector<std::string> selected;
  for (const auto& name : parameter_names) {
    if (std::find(chosen.begin(), chosen.end(), block_of(name)) != chosen.end()) selected.push_back(name);
  }
  return selected;
}

std::vector<std::string> parameters_matching(const std::vector<std::string>& parameter_names,
                                             const std::vector<std::string>& patterns) {
  for (const auto& pattern : patterns) {
    const bool used = std::any_of(parameter_names.begin(), parameter_names.end(),
                                  [&](const std::string& name) { return matches(name, pattern); });
    if (!used) {
      throw Error("train.fine_tune.unfreeze: \"" + pattern +
                  "\" matches no backbone parameter (the last blocks are: " + some_blocks(parameter_names) + ")");
    }
  }
  std::vector<std::string> selected;
  for (const auto& name : parameter_names) {
    if (std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return matches(name, p); })) {
      selected.push_back(name);
    }
  }
  return selected;
}

}  // namespace tl
