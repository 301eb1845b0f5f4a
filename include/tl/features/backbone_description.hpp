#pragma once
// What a backbone file is, before a config is written for it (tl-info backbone): its metadata and
// the preprocessing that follows, the input it takes, the features it gives, its size, and the
// blocks that train.fine_tune.unfreeze_blocks counts from the top.
#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

namespace tl {

// Loads and checks the backbone on the CPU (as tl-train would); throws tl::Error naming the file.
// `metadata`: its JSON, when not the default one beside it.
nlohmann::json describe_backbone(const std::filesystem::path& backbone,
                                 const std::optional<std::filesystem::path>& metadata);

}  // namespace tl
