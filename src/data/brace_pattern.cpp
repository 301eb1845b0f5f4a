#include "tl/data/brace_pattern.hpp"

#include <algorithm>

#include "tl/base/error.hpp"

namespace tl {
namespace {

bool is_number(const std::string& text) {
  return !text.empty() && text.size() <= 18 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The alternatives one group stands for.
std::vector<std::string> alternatives(const std::string& group, const std::string& pattern) {
  const auto fail = [&](const std::string& what) {
    throw Error("shard pattern \"" + pattern + "\": {" + group + "}: " + what);
  };
  const size_t dots = group.find("..");
  if (dots != std::string::npos) {
    const std::string first = group.substr(0, dots);
    const std::string last = group.substr(dots + 2);
    if (!is_number(first) || !is_number(last)) fail("expected a range of numbers such as {000000..000099}");
    const unsigned long long from = std::stoull(first);
    const unsigned long long to = std::stoull(last);
    if (to < from) fail("the range runs backwards");
    if (to - from >= kMaxBraceExpansion) fail("more than " + std::to_string(kMaxBraceExpansion) + " names");
    std::vector<std::string> names;
    for (unsigned long long value = from; value <= to; ++value) {
      std::string digits = std::to_string(value);
      if (digits.size() < first.size()) digits.insert(0, first.size() - digits.size(), '0');
      names.push_back(std::move(digits));
    }
    return names;
  }
  std::vector<std::string> names;
  size_t start = 0;
  while (true) {
    const size_t comma = group.find(',', start);
    names.push_back(group.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (names.size() < 2 && group.empty()) fail("empty group");
  return names;
}

}  // namespace

std::vector<std::string> expand_braces(const std::string& pattern) {
  std::vector<std::string> names{""};
  size_t at = 0;
  while (at < pattern.size()) {
    const size_t open = pattern.find('{', at);
    const size_t close_before = pattern.find('}', at);
    if (close_before != std::string::npos && (open == std::string::npos || close_before < open)) {
      throw Error("shard pattern \"" + pattern + "\": '}' without '{'");
    }
    const std::string literal = pattern.substr(at, open == std::string::npos ? std::string::npos : open - at);
    for (auto& name : names) name += literal;
    if (open == std::string::npos) break;
    const size_t close = pattern.find('}', open);
    if (close == std::string::npos) throw Error("shard pattern \"" + pattern + "\": '{' without '}'");
    const std::string group = pattern.substr(open + 1, close - open - 1);
    if (group.find('{') != std::string::npos) throw Error("shard pattern \"" + pattern + "\": nested braces");
    const std::vector<std::string> choices = alternatives(group, pattern);
    if (names.size() * choices.size() > kMaxBraceExpansion) {
      throw Error("shard pattern \"" + pattern + "\": more than " + std::to_string(kMaxBraceExpansion) + " names");
    }
    std::vector<std::string> expanded;
    expanded.reserve(names.size() * choices.size());
    for (const auto& name : names) {
      for (const auto& choice : choices) expanded.push_back(name + choice);
    }
    names = std::move(expanded);
    at = close + 1;
  }
  return names;
}

}  // namespace tl
