#pragma once
// Reading tar archives as tl's shards use them: the members' names and where their bytes lie, found
// from the headers alone (the data is seeked past, never read), so any member can then be read on
// its own. Reads what tl-shard, GNU tar, Python's tarfile and WebDataset's writers produce: POSIX
// ustar (with its name prefix), GNU long names and pax extended headers (path, size), sizes in
// octal or GNU base-256. Nothing in an archive is trusted: a header with a wrong checksum, a size
// that runs past the end of the file or a long name over its limit ends the listing with a reason,
// and the members listed before it stay usable.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tl/base/file_bytes.hpp"

namespace tl {

struct TarMember {
  std::string name;     // as the archive spells it (bytes, not necessarily UTF-8)
  uint64_t offset = 0;  // of its first data byte
  uint64_t size = 0;
  bool regular = true;  // false for links, devices, FIFOs: listed so a reader can say why it skips them
};

struct TarListing {
  std::vector<TarMember> members;  // regular files and the other non-directory entries, in archive order
  std::string error;               // why listing stopped before the end marker; empty when it did not
};

// Long names and pax headers larger than this are refused: a real one is a few hundred bytes.
inline constexpr uint64_t kMaxTarExtendedHeaderBytes = 1ULL << 20;

// `read_at(offset, length)` returns up to `length` bytes from `offset` (fewer at the end of the data).
using ReadAt = std::function<std::string(uint64_t offset, size_t length)>;

// The members of an archive of `total_size` bytes.
TarListing list_tar_members(const ReadAt& read_at, uint64_t total_size);
// The same for an archive held in memory (tests, fuzzing).
TarListing list_tar_members(const std::string& archive);
// The same for a file; throws tl::Error naming it when it is not a readable regular file.
TarListing list_tar_members(const std::filesystem::path& archive);

// An index of an archive's members, so that a reader on slow storage (a network file system, a
// bucket mounted as files) need not walk its headers: the text of `<shard>.idx` as tl-shard --index
// writes it, "tl-tar-index 1 <archive bytes>" then one "<offset> <size> <name>" line per member.
std::string tar_index_text(const TarListing& listing, uint64_t archive_bytes);
// The listing an index holds. `where` names it in errors. Throws tl::Error naming the line of a
// malformed entry or a member outside the archive, and an index written for an archive of another
// size (the shard was written again since).
TarListing parse_tar_index(const std::string& text, uint64_t archive_bytes, const std::string& where);

// The archive a path runs through, as records name a shard's member (shards/train-000000.tar/
// 000000012.jpg): the nearest of its folders that is a regular file; nothing when none is.
std::optional<std::filesystem::path> archive_holding(const std::filesystem::path& member_path);

// A member's bytes by offset and size (from a listing): the reasons a loose image file gives (too
// large, not a regular file) and "truncated" when the archive is shorter than the member says.
BoundedRead read_tar_member(const std::filesystem::path& archive, uint64_t offset, uint64_t size, uint64_t max_bytes);

}  // namespace tl
