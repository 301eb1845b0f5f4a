#pragma once
// Which files are images, as every dataset layout and tl-predict see them: by extension (what
// OpenCV can decode; anything else, such as Thumbs.db or Oxford's .mat files, is not a sample and
// its content is never guessed at), hidden entries skipped, folders listed in sorted order.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tl {

bool has_image_extension(const std::filesystem::path& path);
bool is_hidden(const std::filesystem::path& path);
// Never throws: a symlink loop or an unreadable entry is "not a directory", and as a sample its
// decoder names the reason it is skipped.
bool is_directory_entry(const std::filesystem::path& path);
// Throws tl::Error naming the directory when it cannot be listed.
std::vector<std::filesystem::path> sorted_entries(const std::filesystem::path& directory);

// The most a list file (@list.txt) may hold: some two million paths.
inline constexpr uint64_t kMaxImageListBytes = 256ULL << 20;

struct ImageFiles {
  std::vector<std::filesystem::path> images;
  size_t ignored_files = 0;  // files in the folders walked that are not images by their extension
};

// The images a user names: a file as given (whatever its extension: its decoder says if it is not
// an image; a member of a tar shard as <shard>/<member>), a folder walked to every depth (hidden
// entries skipped, images by extension, symlinked folders not followed), @FILE a list of one path
// per line (relative to the list's folder; empty lines and lines starting with # skipped; each line
// a file or folder as above). In the order given, folders in sorted order. Throws tl::Error naming
// a path that does not exist or a list that cannot be read.
ImageFiles list_image_files(const std::vector<std::string>& arguments);

}  // namespace tl
