#include "tl/data/dataset.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "tl/base/ascii_case.hpp"
#include "tl/base/error.hpp"
#include "tl/base/file_bytes.hpp"
#include "tl/base/utf8_text.hpp"
#include "tl/data/image_files.hpp"
#include "tl/data/label_list.hpp"
#include "tl/data/shard_dataset.hpp"

namespace fs = std::filesystem;

namespace tl {
namespace {

// Most often the dataset is simply not downloaded yet: the error says where the fix goes.
void require_directory(const fs::path& path, const std::string& what) {
  if (!is_directory_entry(path)) {
    throw Error(path.string() + ": " + what +
                "; set data.root (or --set data.root=DIR), and see data/README.md for where to get the datasets");
  }
}

struct AnnotationLine {
  std::string image;
  int class_id = 0;
  int species = 0;
};

// The official list.txt is 250 KB; a million lines fit many times over.
constexpr uint64_t kMaxAnnotationBytes = 256ULL << 20;

std::vector<AnnotationLine> read_annotations(const fs::path& file) {
  if (!fs::exists(file)) throw Error(file.string() + ": cannot open Oxford-IIIT Pet annotation file");
  std::istringstream in(read_regular_file_or_throw(file, kMaxAnnotationBytes));
  std::vector<AnnotationLine> lines;
  std::string text;
  int line_number = 0;
  while (std::getline(in, text)) {
    ++line_number;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.empty() || text[0] == '#') continue;
    std::istringstream fields(text);
    AnnotationLine line;
    int breed_id = 0;
    if (!(fields >> line.image >> line.class_id >> line.species >> breed_id) || line.class_id < 1 ||
        (line.species != 1 && line.species != 2)) {
      throw Error(file.string() + ":" + std::to_string(line_number) +
                  ": expected \"Image CLASS-ID SPECIES BREED-ID\" (class id >= 1, species 1 or 2), got \"" + text +
                  "\"");
    }
    lines.push_back(line);
  }
  return lines;
}

// Oxford names each image <Breed_name>_<number>; the breed is everything before the last underscore.
std::string breed_of(const std::string& image, const fs::path& file) {
  const auto underscore = image.rfind('_');
  if (underscore == std::string::npos || underscore == 0) {
    throw Error(file.string() + ": image name \"" + image + "\" is not <Breed_name>_<number>");
  }
  return image.substr(0, underscore);
}

}  // namespace

int compare_paths(std::string_view a, std::string_view b) {
  const bool a_rooted = !a.empty() && a[0] == '/';
  const bool b_rooted = !b.empty() && b[0] == '/';
  if (a_rooted != b_rooted) return a_rooted ? 1 : -1;
  // The elements of the relative part: separators collapse, and a trailing one adds an empty element.
  const auto next_element = [](std::string_view path, size_t& at, std::string_view& element) {
    if (at > path.size()) return false;
    while (at < path.size() && path[at] == '/') ++at;
    if (at == path.size()) {
      const bool trailing = at > 0 && path[at - 1] == '/' && path.find_first_not_of('/') != std::string_view::npos;
      element = {};
      at = path.size() + 1;
      return trailing;
    }
    const size_t end = std::min(path.find('/', at), path.size());
    element = path.substr(at, end - at);
    at = end;
    return true;
  };
  size_t at_a = 0, at_b = 0;
  std::string_view element_a, element_b;
  while (true) {
    const bool more_a = next_element(a, at_a, element_a);
    const bool more_b = next_element(b, at_b, element_b);
    if (!more_a || !more_b) return more_a == more_b ? 0 : (more_a ? 1 : -1);
    const int order = element_a.compare(element_b);
    if (order != 0) return order < 0 ? -1 : 1;
  }
}

void sort_by_path(Dataset& dataset) {
  std::vector<size_t> order(dataset.samples.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return compare_paths(dataset.samples[a].path, dataset.samples[b].path) < 0; });
  std::vector<Sample> samples;
  std::vector<OfficialSplit> official;
  samples.reserve(order.size());
  official.reserve(order.size());
  for (size_t index : order) {
    samples.push_back(std::move(dataset.samples[index]));
    official.push_back(dataset.official[index]);
  }
  dataset.samples = std::move(samples);
  dataset.official = std::move(official);
}

bool Dataset::has_official_split() const {
  return std::any_of(official.begin(), official.end(),
                     [](OfficialSplit split) { return split != OfficialSplit::none; });
}

Dataset load_image_folder(const fs::path& root) {
  require_directory(root, "dataset root is not a directory (expected <root>/<class>/<image>)");
  Dataset dataset;
  for (const auto& class_directory : sorted_entries(root)) {
    if (is_hidden(class_directory) || !is_directory_entry(class_directory)) continue;
    const int label = static_cast<int>(dataset.class_names.size());
    dataset.class_names.push_back(path_text(class_directory.filename()));
    for (const auto& file : sorted_entries(class_directory)) {
      if (is_hidden(file) || is_directory_entry(file)) continue;
      if (!has_image_extension(file)) {
        ++dataset.ignored_files;
        continue;
      }
      dataset.samples.push_back({file, label});
      dataset.official.push_back(OfficialSplit::none);
    }
  }
  if (dataset.class_names.empty()) {
    throw Error(root.string() + ": no class folders found (expected <root>/<class>/<image>)");
  }
  sort_by_path(dataset);
  return dataset;
}

Dataset load_petimages(const fs::path& root) {
  const fs::path pet_images = is_directory_entry(root / "PetImages") ? root / "PetImages" : root;
  for (const char* species : {"Cat", "Dog"}) {
    require_directory(pet_images / species,
                      "missing; the petimages layout is <root>/PetImages/{Cat,Dog}/<n>.jpg (root may be PetImages)");
  }
  Dataset dataset = load_image_folder(pet_images);
  if (dataset.class_names != std::vector<std::string>{"Cat", "Dog"}) {
    std::string found;
    for (const auto& name : dataset.class_names) found += " " + name;
    throw Error(pet_images.string() + ": expected exactly the class folders Cat and Dog, found" + found);
  }
  return dataset;
}

Dataset load_oxford_pets(const fs::path& root, OxfordTarget target) {
  require_directory(root / "images", "missing; the oxford_pets layout is <root>/images and <root>/annotations");
  const fs::path annotations = root / "annotations";
  require_directory(annotations, "missing; the oxford_pets layout is <root>/images and <root>/annotations");

  std::map<int, std::string> breed_names;  // official class id -> breed name from the file names
  auto learn_breeds = [&](const std::vector<AnnotationLine>& lines, const fs::path& file) {
    for (const auto& line : lines) {
      const std::string breed = breed_of(line.image, file);
      const auto [it, inserted] = breed_names.emplace(line.class_id, breed);
      if (!inserted && it->second != breed) {
        throw Error(file.string() + ": class id " + std::to_string(line.class_id) + " names both \"" + it->second +
                    "\" and \"" + breed + "\"");
      }
    }
  };

  const auto trainval = read_annotations(annotations / "trainval.txt");
  const auto test = read_annotations(annotations / "test.txt");
  learn_breeds(trainval, annotations / "trainval.txt");
  learn_breeds(test, annotations / "test.txt");
  if (std::error_code error; fs::exists(annotations / "list.txt", error))
    learn_breeds(read_annotations(annotations / "list.txt"), annotations / "list.txt");

  Dataset dataset;
  std::map<int, int> label_of_class_id;
  if (target == OxfordTarget::species) {
    dataset.class_names = {"cat", "dog"};
  } else {
    for (const auto& [class_id, name] : breed_names) {
      label_of_class_id[class_id] = static_cast<int>(dataset.class_names.size());
      dataset.class_names.push_back(utf8_text(name));
    }
  }
  std::set<std::string> seen;
  auto add = [&](const std::vector<AnnotationLine>& lines, OfficialSplit split, const fs::path& file) {
    for (const auto& line : lines) {
      if (!seen.insert(line.image).second) {
        throw Error(file.string() + ": image \"" + line.image + "\" is listed twice across trainval.txt and test.txt");
      }
      const int label = target == OxfordTarget::species ? line.species - 1 : label_of_class_id.at(line.class_id);
      dataset.samples.push_back({root / "images" / (line.image + ".jpg"), label});
      dataset.official.push_back(split);
    }
  };
  add(trainval, OfficialSplit::trainval, annotations / "trainval.txt");
  add(test, OfficialSplit::test, annotations / "test.txt");
  if (dataset.samples.empty()) throw Error(annotations.string() + ": trainval.txt and test.txt list no images");
  sort_by_path(dataset);
  return dataset;
}

Dataset load_dataset(const LayoutOptions& options) {
  switch (options.layout) {
    case Layout::image_folder: return load_image_folder(options.root);
    case Layout::petimages: return load_petimages(options.root);
    case Layout::oxford_pets: return load_oxford_pets(options.root, options.target);
    case Layout::list: return load_label_list(options.root);
    case Layout::shards: return load_shards(options.root);
  }
  throw Error("data.layout: unknown layout");
}

}  // namespace tl
