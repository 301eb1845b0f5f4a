// A list file as a user or a script writes it: the first byte picks CSV, TSV or JSON Lines, the rest
// is the text. A bad list is a tl::Error naming a line, never more; a good one is a consistent dataset.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tl/base/error.hpp"
#include "tl/data/label_list.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto format = static_cast<tl::LabelListFormat>(data[0] % 3);
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    const tl::Dataset dataset = tl::parse_label_list(text, format, "/fuzz/list.csv");
    if (dataset.samples.empty() || dataset.samples.size() != dataset.official.size()) __builtin_trap();
    for (const tl::Sample& sample : dataset.samples) {
      if (sample.label < 0 || static_cast<size_t>(sample.label) >= dataset.class_names.size()) __builtin_trap();
    }
  } catch (const tl::Error&) {
    return 0;
  }
  return 0;
}
