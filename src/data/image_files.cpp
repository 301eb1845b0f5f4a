#include "tl/data/image_files.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include "tl/base/ascii_case.hpp"
#include "tl/base/error.hpp"
#include "tl/base/file_bytes.hpp"
#include "tl/data/tar_reader.hpp"

namespace fs = std::filesystem;

namespace tl {

bool has_image_extension(const fs::path& path) {
  static const std::set<std::string> extensions = {".jpg",  ".jpeg", ".jpe",  ".png", ".bmp", ".dib", ".gif",
                                                   ".webp", ".tif",  ".tiff", ".ppm", ".pgm", ".pbm", ".pnm",
                                                   ".jp2",  ".pfm",  ".sr",   ".ras", ".exr", ".hdr", ".pic"};
  return extensions.count(ascii_lowercase(path.extension().string())) > 0;
}

bool is_hidden(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name[0] == '.';
}

bool is_directory_entry(const fs::path& path) {
  std::error_code error;
  return fs::is_directory(path, error);
}

std::vector<fs::path> sorted_entries(const fs::path& directory) {
  std::vector<fs::path> entries;
  std::error_code error;
  for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    entries.push_back(it->path());
  }
  if (error) throw Error(directory.string() + ": cannot list directory: " + error.message());
  std::sort(entries.begin(), entries.end());
  return entries;
}

namespace {

void walk(const fs::path& directory, ImageFiles& found) {
  for (const fs::path& entry : sorted_entries(directory)) {
    if (is_hidden(entry)) continue;
    std::error_code error;
    if (fs::is_symlink(entry, error) && is_directory_entry(entry)) continue;  // no loops, no escapes
    if (is_directory_entry(entry)) {
      walk(entry, found);
    } else if (has_image_extension(entry)) {
      found.images.push_back(entry);
    } else {
      ++found.ignored_files;
    }
  }
}

void add(const fs::path& path, const std::string& named_as, ImageFiles& found) {
  std::error_code error;
  if (is_directory_entry(path)) {
    walk(path, found);
  } else if (fs::exists(fs::symlink_status(path, error)) || archive_holding(path)) {
    found.images.push_back(path);
  } else {
    throw Error(named_as + ": no such file or folder");
  }
}

}  // namespace

ImageFiles list_image_files(const std::vector<std::string>& arguments) {
  ImageFiles found;
  for (const std::string& argument : arguments) {
    if (argument.size() < 2 || argument[0] != '@') {
      add(argument, argument, found);
      continue;
    }
    const fs::path list = argument.substr(1);
    std::istringstream lines(read_regular_file_or_throw(list, kMaxImageListBytes));
    size_t number = 0;
    for (std::string line; std::getline(lines, line);) {
      ++number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      const fs::path path = fs::path(line).is_absolute() ? fs::path(line) : list.parent_path() / line;
      add(path, list.string() + ":" + std::to_string(number) + ": " + line, found);
    }
  }
  return found;
}

}  // namespace tl
