// `--set` assignments, one per line of the input, over a valid experiment: each is parsed, applied
// and validated as tl-train does. Refusals are tl::Error; nothing else may escape.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "tl/base/error.hpp"
#include "tl/config/config_source.hpp"
#include "tl/config/experiment.hpp"

namespace {

const char* kExperiment = R"(name: fuzz
data: {layout: image_folder, root: data}
model: {backbone: backbone.pt, head: {type: linear}}
train: {epochs: 2}
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream lines(std::string(reinterpret_cast<const char*>(data), size));
  try {
    tl::ConfigSource source = tl::ConfigSource::from_text(kExperiment, tl::ConfigFormat::yaml, "fuzz", "/nonexistent");
    for (std::string assignment; std::getline(lines, assignment);) source.apply_override(assignment);
    tl::load_experiment(source);
  } catch (const tl::Error&) {
  }
  return 0;
}
