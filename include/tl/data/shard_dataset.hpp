#pragma once
// A dataset kept as tar shards in the WebDataset convention (data.layout: shards), as tl-shard
// writes them and as large datasets travel: each sample is the members of one shard that share a
// key (the name up to the first dot of its last component), one image (<key>.jpg, .png, ...) and
// one label: <key>.cls (a class index), <key>.txt (a class name) or <key>.json (a name, an index, or
// an object with a "label" field holding one). Only the headers are read when the dataset is
// listed (or, where <shard>.idx lies beside a shard, that index: tl/data/tar_reader.hpp), and the
// labels; images are read later, one seek each, from the offsets found.
//
// Classes come from classes.txt in the first shard's folder (one name per line, line i = index i)
// when there is one, else from the labels (names sorted; indices name themselves "0", "1", ...).
// A shard named train-*, val-* or test-* (also with _ or . after the word) holds that split's
// samples; shards with other names have none, and tl makes its seeded split. A group of members
// with no image or no label, a member that is not a regular file and a shard cut short are listed
// in Dataset::unusable with the reason, by shard and member; a label that names no class is an
// error naming the shard and member.
#include <filesystem>
#include <vector>

#include "tl/data/dataset.hpp"

namespace tl {

// The shard files `root` names, sorted: a folder (every *.tar in it), a .txt file (one shard path
// or pattern per line, relative to the file's folder; empty and # lines skipped) or a path with
// brace patterns (tl/data/brace_pattern.hpp). Throws tl::Error naming a shard that does not exist, or
// the root when it names no shard.
std::vector<std::filesystem::path> shard_files(const std::filesystem::path& root);

Dataset load_shards(const std::filesystem::path& root);

}  // namespace tl
