// The config reader on arbitrary documents: the first byte picks YAML or JSON, the rest is the text.
// Anything may be refused with tl::Error; nothing may crash, leak, hang or take unbounded memory.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tl/base/error.hpp"
#include "tl/config/config_source.hpp"
#include "tl/config/experiment.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto format = data[0] % 2 == 0 ? tl::ConfigFormat::yaml : tl::ConfigFormat::json;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    tl::load_experiment(tl::ConfigSource::from_text(text, format, "fuzz", "/nonexistent"));
  } catch (const tl::Error&) {
  }
  return 0;
}
