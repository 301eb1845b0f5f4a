#pragma once
// The backbone pass divided between the ranks of a group: rank r decodes and embeds every W-th image
// of `indices` (positions r, r + W, ...: classes and cache hits spread evenly), or every W-th shard
// of a shards dataset (each shard read whole by one rank), writes the feature
// cache entries it computed, and the rows are then exchanged so that every rank holds exactly the
// FeatureSet one process would compute, in the same order. Files any rank skipped are merged into
// every rank's `skipped`. With a group of one this is extract_features.
#include "tl/dist/process_group.hpp"
#include "tl/features/feature_extraction.hpp"

namespace tl {

// Which rank reads each position of `indices` among `ranks`. Loose files are dealt one by one
// (position p to rank p % W: classes and cache hits spread evenly). A shard's samples all go to one
// rank, so that each shard is read by one process, front to back: the shards, in the order their
// first samples come, are dealt round the ranks (shard s to rank s % W; with 3 shards and 2 ranks,
// rank 0 reads two). With fewer shards than ranks some ranks read none. Rows are gathered back
// into the order of `indices` either way, so the features never depend on W.
std::vector<size_t> rank_of_positions(const Dataset& dataset, const std::vector<size_t>& indices, size_t ranks);

FeatureSet extract_features_across(ProcessGroup& group, const ImageEmbedding& embedding, const Dataset& dataset,
                                   const std::vector<size_t>& indices, const Preprocessing& preprocessing,
                                   const LoaderOptions& options, SkippedFiles& skipped, FeatureCache* cache,
                                   const std::string& progress_label, const AugmentedView* view = nullptr);

}  // namespace tl
