#pragma once
// Shard names as WebDataset, timm and the shell write them: "train-{000000..000099}.tar" is a
// hundred names, the numbers padded to the width of the first; "{train,val}-{0..3}.tar" is eight.
// Groups expand left to right, without nesting.
#include <string>
#include <vector>

namespace tl {

// At most this many names: a pattern that asks for more is a typo (a missing digit of padding).
inline constexpr size_t kMaxBraceExpansion = 1000000;

// Throws tl::Error naming the pattern for an unclosed or empty group, a range whose ends are not
// both numbers, a range that runs backwards, or more than kMaxBraceExpansion names.
std::vector<std::string> expand_braces(const std::string& pattern);

}  // namespace tl
