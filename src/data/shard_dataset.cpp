#include "tl/data/shard_dataset.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tl/base/ascii_case.hpp"
#include "tl/base/error.hpp"
#include "tl/base/file_bytes.hpp"
#include "tl/base/utf8_text.hpp"
#include "tl/data/brace_pattern.hpp"
#include "tl/data/image_files.hpp"
#include "tl/data/tar_reader.hpp"

namespace fs = std::filesystem;

namespace tl {
namespace {

// A label member is a few bytes; a larger one is not a label.
constexpr uint64_t kMaxLabelBytes = 64ULL << 10;
constexpr uint64_t kMaxClassesFileBytes = 64ULL << 20;

std::string trimmed(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

std::vector<fs::path> expand(const std::string& pattern, const fs::path& relative_to) {
  std::vector<fs::path> files;
  for (const auto& name : expand_braces(pattern)) {
    const fs::path file = fs::path(name).is_absolute() ? fs::path(name) : relative_to / name;
    if (!fs::is_regular_file(file)) throw Error(file.string() + ": shard not found (from data.root " + pattern + ")");
    files.push_back(file);
  }
  return files;
}

OfficialSplit split_of_shard(const fs::path& shard) {
  const std::string name = path_text(shard.filename());
  const size_t end = name.find_first_of("-_.");
  const std::string word = ascii_lowercase(name.substr(0, end));
  if (word == "train") return OfficialSplit::trainval;
  if (word == "val" || word == "valid" || word == "validation") return OfficialSplit::val;
  if (word == "test") return OfficialSplit::test;
  return OfficialSplit::none;
}

// A sample's key and the rest of its member name: "dir/000012.seg.png" -> ("dir/000012", "seg.png").
std::pair<std::string, std::string> key_and_extension(const std::string& name) {
  const size_t slash = name.rfind('/');
  const size_t dot = name.find('.', slash == std::string::npos ? 0 : slash + 1);
  if (dot == std::string::npos) return {name, ""};
  return {name.substr(0, dot), ascii_lowercase(name.substr(dot + 1))};
}

// What a label member says: a class index or a class name.
struct Label {
  std::optional<int> index;
  std::string name;
};

std::optional<int> class_index(const std::string& text) {
  if (text.empty() || text.size() > 9 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoi(text);
}

Label parse_label(const std::string& bytes, const std::string& extension, const std::string& where) {
  const std::string text = trimmed(bytes);
  if (extension == "cls") {
    const auto index = class_index(text);
    if (!index) throw Error(where + ": expected a class index (a number from 0), got \"" + utf8_text(text) + "\"");
    return {index, ""};
  }
  if (extension == "txt") {
    if (text.empty()) throw Error(where + ": empty class name");
    return {std::nullopt, text};
  }
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    throw Error(where + ": not valid JSON");
  }
  if (json.is_object()) json = json.contains("label") ? json["label"] : nlohmann::json();
  if (json.is_number_unsigned() && json.get<uint64_t>() < 1000000000) return {json.get<int>(), ""};
  if (json.is_string() && !json.get<std::string>().empty()) return {std::nullopt, json.get<std::string>()};
  throw Error(where + ": expected a class name, a class index or {\"label\": one of them}");
}

std::vector<std::string> read_classes_file(const fs::path& file) {
  std::istringstream in(read_regular_file_or_throw(file, kMaxClassesFileBytes));
  std::vector<std::string> names;
  std::set<std::string> seen;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const std::string name = trimmed(line);
    const std::string where = file.string() + ":" + std::to_string(line_number);
    if (name.empty()) throw Error(where + ": empty class name (line i names class index i - 1)");
    if (!seen.insert(name).second) throw Error(where + ": class \"" + utf8_text(name) + "\" listed twice");
    names.push_back(name);
  }
  if (names.empty()) throw Error(file.string() + ": lists no class");
  return names;
}

// Turns labels into class numbers as samples are read, so that no label is kept per sample: with a
// classes.txt at once; without one, an index is its own number and a name gets a provisional
// number, renumbered in name order once every shard is read.
class LabelResolver {
 public:
  LabelResolver(std::vector<std::string> classes, fs::path classes_file)
      : classes_(std::move(classes)), classes_file_(std::move(classes_file)) {
    for (size_t i = 0; i < classes_.size(); ++i) number_of_name_[classes_[i]] = static_cast<int>(i);
  }

  // `where` names the label member in errors.
  int number(const Label& label, const std::string& where) {
    const bool given_classes = !classes_.empty();
    if (!given_classes) {
      if (!by_index_) by_index_ = label.index.has_value();
      if (*by_index_ != label.index.has_value()) {
        throw Error(where + ": a class " + (label.index ? "index" : "name") + ", while other samples' labels are " +
                    (label.index ? "names" : "indices") + "; give classes.txt beside the shards");
      }
    }
    if (label.index) {
      if (given_classes && *label.index >= static_cast<int>(classes_.size())) {
        throw Error(where + ": class index " + std::to_string(*label.index) + ", but " + classes_file_.string() +
                    " lists " + std::to_string(classes_.size()) + " classes");
      }
      largest_index_ = std::max(largest_index_, *label.index);
      return *label.index;
    }
    const auto found = number_of_name_.find(label.name);
    if (found != number_of_name_.end()) return found->second;
    if (given_classes) {
      throw Error(where + ": class \"" + utf8_text(label.name) + "\" is not in " + classes_file_.string());
    }
    return number_of_name_.emplace(label.name, static_cast<int>(number_of_name_.size())).first->second;
  }

  // The class names, and the samples' labels renumbered where names were numbered as first met.
  std::vector<std::string> finish(std::vector<Sample>& samples) const {
    if (!classes_.empty()) return classes_;
    std::vector<std::string> names;
    if (by_index_.value_or(false)) {
      for (int i = 0; i <= largest_index_; ++i) names.push_back(std::to_string(i));
      return names;
    }
    std::vector<int> sorted_number(number_of_name_.size());
    for (const auto& [name, provisional] : number_of_name_) {  // the map iterates in name order
      sorted_number[static_cast<size_t>(provisional)] = static_cast<int>(names.size());
      names.push_back(name);
    }
    for (Sample& sample : samples) sample.label = sorted_number[static_cast<size_t>(sample.label)];
    return names;
  }

 private:
  std::vector<std::string> classes_;
  fs::path classes_file_;
  std::map<std::string, int> number_of_name_;
  std::optional<bool> by_index_;
  int largest_index_ = 0;
};

// A shard's members from its index (<shard>.idx) when there is one, else from its headers.
TarListing members_of(const fs::path& shard) {
  fs::path index = shard;
  index += ".idx";
  if (!fs::exists(index)) return list_tar_members(shard);
  return parse_tar_index(read_regular_file_or_throw(index, kMaxImageListBytes), fs::file_size(shard), index.string());
}

// The samples of one shard, appended to the dataset.
void read_shard(const fs::path& shard, LabelResolver& labels, Dataset& dataset) {
  const auto archive = std::make_shared<const fs::path>(shard);
  const TarListing listing = members_of(shard);
  if (!listing.error.empty()) {
    dataset.unusable.push_back({shard, listing.error + "; the shard's members after it are not read"});
  }
  struct Group {
    std::vector<const TarMember*> images;
    const TarMember* label = nullptr;
    std::string label_extension;
  };
  std::map<std::string, Group> groups;  // by key, so samples come out in key order
  for (const TarMember& member : listing.members) {
    const auto [key, extension] = key_and_extension(member.name);
    Group& group = groups[key];
    const bool image = extension.find('.') == std::string::npos && has_image_extension("x." + extension);
    const bool label = extension == "cls" || extension == "txt" || extension == "json";
    if (!member.regular && (image || label)) {
      dataset.unusable.push_back({shard / member.name, "not a regular file in the shard (a link or a device)"});
      continue;
    }
    if (image) {
      group.images.push_back(&member);
    } else if (label && (!group.label || extension == "cls")) {
      group.label = &member;
      group.label_extension = extension;
    } else if (!label) {
      ++dataset.ignored_files;
    }
  }
  const OfficialSplit split = split_of_shard(shard);
  for (const auto& [key, group] : groups) {
    const fs::path where = shard / key;
    if (group.images.empty()) {
      if (group.label) dataset.unusable.push_back({where, "no image member (a .jpg, .png, ... with the same key)"});
      continue;
    }
    if (group.images.size() > 1) {
      dataset.unusable.push_back({where, "more than one image member with this key"});
      continue;
    }
    const TarMember& image = *group.images.front();
    if (!group.label) {
      dataset.unusable.push_back({shard / image.name, "no label member (<key>.cls, .txt or .json)"});
      continue;
    }
    const std::string label_where = shard.string() + ": " + utf8_text(group.label->name);
    const BoundedRead label_bytes = read_tar_member(shard, group.label->offset, group.label->size, kMaxLabelBytes);
    if (!label_bytes.bytes) throw Error(label_where + ": " + label_bytes.error);
    Sample sample;
    sample.path = (shard / image.name).native();
    sample.label = labels.number(parse_label(*label_bytes.bytes, group.label_extension, label_where), label_where);
    sample.member = ArchiveMember{archive, image.offset, image.size};
    dataset.samples.push_back(std::move(sample));
    dataset.official.push_back(split);
  }
}

}  // namespace

std::vector<fs::path> shard_files(const fs::path& root) {
  std::vector<fs::path> files;
  const std::string text = root.string();
  if (root.extension() == ".txt") {
    const fs::path& list = root;
    std::istringstream in(read_regular_file_or_throw(list, kMaxImageListBytes));
    std::string line;
    while (std::getline(in, line)) {
      line = trimmed(line);
      if (line.empty() || line[0] == '#') continue;
      for (auto& file : expand(line, list.parent_path())) files.push_back(std::move(file));
    }
  } else if (text.find('{') == std::string::npos && is_directory_entry(root)) {
    for (const auto& entry : sorted_entries(root)) {
      if (!is_hidden(entry) && entry.extension() == ".tar" && fs::is_regular_file(entry)) files.push_back(entry);
    }
  } else {
    files = expand(text, "");
  }
  if (files.empty()) {
    throw Error(text + ": no shard found (data.root of layout shards is a folder of *.tar, a pattern such as " +
                "shards/train-{000000..000009}.tar, or a .txt file listing them)");
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

Dataset load_shards(const fs::path& root) {
  const std::vector<fs::path> shards = shard_files(root);
  const bool some_split = std::any_of(
      shards.begin(), shards.end(), [](const fs::path& shard) { return split_of_shard(shard) != OfficialSplit::none; });
  for (const auto& shard : shards) {
    if (some_split && split_of_shard(shard) == OfficialSplit::none) {
      throw Error(shard.string() +
                  ": its name gives no split, while other shards' names do (train-, val-, test-): name every "
                  "shard by its split, or none");
    }
  }
  const fs::path classes_file = shards.front().parent_path() / "classes.txt";
  LabelResolver labels(fs::exists(classes_file) ? read_classes_file(classes_file) : std::vector<std::string>{},
                       classes_file);
  Dataset dataset;
  for (const auto& shard : shards) read_shard(shard, labels, dataset);
  if (dataset.samples.empty()) throw Error(root.string() + ": the shards hold no labelled image");
  dataset.class_names = labels.finish(dataset.samples);
  sort_by_path(dataset);
  return dataset;
}

}  // namespace tl
