// Reads an experiment config from text with tl's library and prints what it resolved, so that the
// test sees a program linked against tl::tl run.
#include <cstdio>

#include "tl/base/build_info.hpp"
#include "tl/config/config_source.hpp"
#include "tl/config/experiment.hpp"

int main() {
  const auto source = tl::ConfigSource::from_text(
      "name: consumer\ndata: {layout: image_folder, root: photos}\nmodel: {backbone: b.pt}\n", tl::ConfigFormat::yaml,
      "inline.yaml", "/tmp");
  const tl::Experiment experiment = tl::load_experiment(source);
  std::printf("tl %s: %s trains a %s head\n", tl::tl_version(), experiment.name.c_str(),
              tl::name_of(experiment.model.head.type));
  return 0;
}
