#pragma once
// The backbone pass divided between the ranks of a group: rank r decodes and embeds every W-th image
// of `indices` (positions r, r + W, ...: classes and cache hits spread evenly), writes the feature
// cache entries it computed, and the rows are then exchanged so that every rank holds exactly the
// FeatureSet one process would compute, in the same order. Files any rank skipped are merged into
// every rank's `skipped`. With a group of one this is extract_features.
#include "tl/dist/process_group.hpp"
#include "tl/features/feature_extraction.hpp"

namespace tl {

FeatureSet extract_features_across(ProcessGroup& group, const ImageEmbedding& embedding, const Dataset& dataset,
                                   const std::vector<size_t>& indices, const Preprocessing& preprocessing,
                                   const LoaderOptions& options, SkippedFiles& skipped, FeatureCache* cache,
                                   const std::string& progress_label, const AugmentedView* view = nullptr);

}  // namespace tl
