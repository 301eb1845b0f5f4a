#include "tl/features/backbone_description.hpp"

#include "tl/base/utf8_text.hpp"
#include "tl/features/backbone.hpp"
#include "tl/features/parameter_selection.hpp"

namespace tl {

nlohmann::json describe_backbone(const std::filesystem::path& backbone,
                                 const std::optional<std::filesystem::path>& metadata) {
  const LoadedBackbone loaded = load_backbone({backbone, metadata, {}}, DataConfig{}, torch::kCPU);
  const std::vector<std::string> names = loaded.backbone->parameter_names();
  return {{"path", path_text(backbone)},
          {"sha256", loaded.backbone->content_hash()},
          {"metadata", utf8_text(loaded.metadata.source)},
          {"input", {{"height", loaded.metadata.input_height}, {"width", loaded.metadata.input_width}}},
          {"preprocessing", loaded.preprocessing.describe()},
          {"feature_dim", loaded.backbone->feature_dim()},
          {"parameters", loaded.backbone->parameter_count()},
          {"parameter_tensors", names.size()},
          // In the module's order: unfreeze_blocks: N unfreezes the last N.
          {"blocks", backbone_blocks(names)}};
}

}  // namespace tl
