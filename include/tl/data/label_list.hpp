#pragma once
// A dataset given as a list file of image paths and labels, the form annotation files and Kaggle's
// CSVs take: one image per line, `path,label[,split]`. CSV (.csv: RFC 4180 quoting), TSV (.tsv,
// .txt: tab-separated, no quoting) and JSON Lines (.jsonl: {"path": ..., "label": ..., "split": ...}).
// A CSV or TSV file may start with a header naming the columns (path, label, split in any order).
// Paths are relative to the list file's folder unless absolute. Labels are class names; classes
// are sorted by name. A split, when given on any line, must be on every line: train, val or test.
#include <filesystem>
#include <string>

#include "tl/data/dataset.hpp"

namespace tl {

enum class LabelListFormat { csv, tsv, jsonl };

// The format a list file's extension says; throws tl::Error naming the file for another extension.
LabelListFormat label_list_format(const std::filesystem::path& file);

// Parses the text of a list file. `file` names it in errors (with the line) and is where relative
// paths start. Throws tl::Error on a malformed line, an empty path or label, an unknown split, an
// image listed twice, a split on some lines only, or no line at all.
Dataset parse_label_list(const std::string& text, LabelListFormat format, const std::filesystem::path& file);

// Reads and parses the list file (at most 1 GiB).
Dataset load_label_list(const std::filesystem::path& file);

}  // namespace tl
