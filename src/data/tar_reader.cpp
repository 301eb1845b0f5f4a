#include "tl/data/tar_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <sstream>

#include <unistd.h>

#include "tl/base/error.hpp"

namespace tl {
namespace {

constexpr uint64_t kBlock = 512;

uint64_t padded(uint64_t bytes) { return (bytes + kBlock - 1) / kBlock * kBlock; }

// A NUL-terminated (or full-width) text field.
std::string field(const std::string& header, size_t offset, size_t width) {
  const size_t end = header.find('\0', offset);
  return header.substr(offset, std::min(width, (end == std::string::npos ? header.size() : end) - offset));
}

// A numeric field: octal digits between optional spaces and NULs, or GNU's base-256 (the first
// byte's high bit set) for values past octal's reach. Nothing when it is neither.
std::optional<uint64_t> number(const std::string& header, size_t offset, size_t width) {
  const auto first = static_cast<unsigned char>(header[offset]);
  if ((first & 0x80) != 0) {
    if ((first & 0x40) != 0) return std::nullopt;  // negative
    uint64_t value = first & 0x3F;
    for (size_t i = 1; i < width; ++i) {
      if (value > (UINT64_MAX >> 8)) return std::nullopt;
      value = (value << 8) | static_cast<unsigned char>(header[offset + i]);
    }
    return value;
  }
  size_t at = offset;
  const size_t end = offset + width;
  while (at < end && header[at] == ' ') ++at;
  uint64_t value = 0;
  bool digits = false;
  for (; at < end && header[at] >= '0' && header[at] <= '7'; ++at) {
    if (value > (UINT64_MAX >> 3)) return std::nullopt;
    value = value * 8 + static_cast<uint64_t>(header[at] - '0');
    digits = true;
  }
  for (; at < end; ++at) {
    if (header[at] != ' ' && header[at] != '\0') return std::nullopt;
  }
  return digits ? std::optional<uint64_t>(value) : std::nullopt;
}

// The checksum counts its own field as spaces; some old writers summed signed bytes.
bool checksum_matches(const std::string& header) {
  const auto recorded = number(header, 148, 8);
  if (!recorded) return false;
  uint64_t unsigned_sum = 0;
  int64_t signed_sum = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    const char byte = i >= 148 && i < 156 ? ' ' : header[i];
    unsigned_sum += static_cast<unsigned char>(byte);
    signed_sum += static_cast<signed char>(byte);
  }
  return *recorded == unsigned_sum || static_cast<int64_t>(*recorded) == signed_sum;
}

bool all_zero(const std::string& block) {
  return std::all_of(block.begin(), block.end(), [](char byte) { return byte == '\0'; });
}

// The pax records "<length> <key>=<value>\n" this reader uses (path, size); false when malformed.
bool read_pax(const std::string& records, std::optional<std::string>& path, std::optional<uint64_t>& size) {
  size_t at = 0;
  while (at < records.size()) {
    if (records[at] == '\0') break;  // padding some writers leave
    const size_t space = records.find(' ', at);
    if (space == std::string::npos || space == at || space - at > 20) return false;
    uint64_t length = 0;
    for (size_t i = at; i < space; ++i) {
      if (records[i] < '0' || records[i] > '9') return false;
      length = length * 10 + static_cast<uint64_t>(records[i] - '0');
    }
    if (length <= space - at + 1 || length > records.size() - at || records[at + length - 1] != '\n') return false;
    const std::string record = records.substr(space + 1, at + length - 1 - (space + 1));
    const size_t equals = record.find('=');
    if (equals == std::string::npos) return false;
    const std::string key = record.substr(0, equals);
    const std::string value = record.substr(equals + 1);
    if (key == "path") path = value;
    if (key == "size") {
      if (value.empty() || value.size() > 19 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
      }
      size = std::stoull(value);
    }
    at += length;
  }
  return true;
}

std::string at_offset(uint64_t offset) { return " at offset " + std::to_string(offset); }

}  // namespace

TarListing list_tar_members(const ReadAt& read_at, uint64_t total_size) {
  TarListing listing;
  std::optional<std::string> long_name;  // from a GNU 'L' entry or a pax path, for the next member
  std::optional<uint64_t> pax_size;
  uint64_t offset = 0;
  while (true) {
    if (offset + kBlock > total_size) {
      // A missing end marker is common (streams cut at a member boundary) and loses nothing.
      if (offset != total_size) listing.error = "truncated header" + at_offset(offset);
      return listing;
    }
    const std::string header = read_at(offset, kBlock);
    if (header.size() != kBlock) {
      listing.error = "cannot read header" + at_offset(offset);
      return listing;
    }
    if (all_zero(header)) return listing;
    if (!checksum_matches(header)) {
      listing.error = "not a tar header (checksum mismatch)" + at_offset(offset);
      return listing;
    }
    const auto header_size = number(header, 124, 12);
    if (!header_size) {
      listing.error = "unreadable size field" + at_offset(offset);
      return listing;
    }
    const char type = header[156];
    const uint64_t size = pax_size && type != 'x' && type != 'L' ? *pax_size : *header_size;
    const uint64_t data = offset + kBlock;
    if (size > total_size - data) {
      listing.error = "member" + at_offset(offset) + " claims " + std::to_string(size) +
                      " bytes, past the end of the archive (truncated?)";
      return listing;
    }
    const uint64_t next = data + padded(size);
    if (type == 'L' || type == 'x') {
      if (size > kMaxTarExtendedHeaderBytes) {
        listing.error = "extended header" + at_offset(offset) + " of " + std::to_string(size) + " bytes (limit " +
                        std::to_string(kMaxTarExtendedHeaderBytes) + ")";
        return listing;
      }
      const std::string content = read_at(data, static_cast<size_t>(size));
      if (content.size() != size) {
        listing.error = "cannot read extended header" + at_offset(offset);
        return listing;
      }
      if (type == 'L') {
        long_name = content.substr(0, content.find('\0'));
      } else if (!read_pax(content, long_name, pax_size)) {
        listing.error = "malformed pax header" + at_offset(offset);
        return listing;
      }
      offset = next;
      continue;
    }
    std::string name = long_name.value_or("");
    if (!long_name) {
      name = field(header, 0, 100);
      // The POSIX prefix; GNU's "ustar  " headers keep other fields there.
      const std::string prefix = header.compare(257, 6, std::string("ustar\0", 6)) == 0 ? field(header, 345, 155) : "";
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    long_name.reset();
    pax_size.reset();
    offset = next;
    // Directories, global pax headers, GNU long link names and volume labels hold no sample.
    if (type == '5' || type == 'g' || type == 'K' || type == 'V') continue;
    listing.members.push_back({std::move(name), data, size, type == '0' || type == '\0' || type == '7'});
  }
}

std::string tar_index_text(const TarListing& listing, uint64_t archive_bytes) {
  std::string text = "tl-tar-index 1 " + std::to_string(archive_bytes) + "\n";
  for (const TarMember& member : listing.members) {
    if (!member.regular || member.name.find('\n') != std::string::npos) continue;
    text += std::to_string(member.offset) + " " + std::to_string(member.size) + " " + member.name + "\n";
  }
  return text;
}

TarListing parse_tar_index(const std::string& text, uint64_t archive_bytes, const std::string& where) {
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);
  const std::string expected_start = "tl-tar-index 1 ";
  if (line.compare(0, expected_start.size(), expected_start) != 0) {
    throw Error(where + ":1: expected \"tl-tar-index 1 <archive bytes>\", got \"" + line.substr(0, 40) + "\"");
  }
  if (line.substr(expected_start.size()) != std::to_string(archive_bytes)) {
    throw Error(where + ": written for an archive of " + line.substr(expected_start.size()) + " bytes, but it has " +
                std::to_string(archive_bytes) + " (written again since?): delete the index or write it again");
  }
  TarListing listing;
  int line_number = 1;
  while (std::getline(lines, line)) {
    ++line_number;
    const size_t first_space = line.find(' ');
    const size_t second_space = first_space == std::string::npos ? first_space : line.find(' ', first_space + 1);
    const auto digits = [](const std::string& field) {
      return !field.empty() && field.size() <= 19 &&
             std::all_of(field.begin(), field.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    TarMember member;
    if (second_space != std::string::npos) {
      const std::string offset = line.substr(0, first_space);
      const std::string size = line.substr(first_space + 1, second_space - first_space - 1);
      member.name = line.substr(second_space + 1);
      if (digits(offset) && digits(size)) {
        member.offset = std::stoull(offset);
        member.size = std::stoull(size);
      }
    }
    if (member.name.empty() || member.offset == 0 || member.offset % kBlock != 0 || member.offset > archive_bytes ||
        member.size > archive_bytes - member.offset) {
      throw Error(where + ":" + std::to_string(line_number) +
                  ": expected \"<offset> <size> <name>\" of a member inside the archive, got \"" + line.substr(0, 80) +
                  "\"");
    }
    listing.members.push_back(std::move(member));
  }
  return listing;
}

TarListing list_tar_members(const std::string& archive) {
  return list_tar_members(
      [&](uint64_t offset, size_t length) {
        return offset >= archive.size() ? std::string() : archive.substr(static_cast<size_t>(offset), length);
      },
      archive.size());
}

namespace {

// Reads `length` bytes at `offset`; fewer only at the end of the file or on an error.
std::string read_exactly(int fd, uint64_t offset, size_t length) {
  std::string bytes(length, '\0');
  size_t filled = 0;
  while (filled < length) {
    const ssize_t got = ::pread(fd, bytes.data() + filled, length - filled, static_cast<off_t>(offset + filled));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    filled += static_cast<size_t>(got);
  }
  bytes.resize(filled);
  return bytes;
}

}  // namespace

TarListing list_tar_members(const std::filesystem::path& archive) {
  const RegularFile file(archive);
  if (!file.is_open()) throw Error(archive.string() + ": " + file.error());
  // Headers are read through a 64 KiB window: where members are small (a shard of photos a few
  // dozen KiB each), one read serves many headers instead of one system call per header. Where
  // either of the last two members was larger than the window (photos beside their .cls labels)
  // only the header itself is read: reading ahead would read image data.
  constexpr size_t kWindow = size_t{64} << 10;
  std::string window;
  uint64_t window_start = 0, last_offset = 0, last_gap = 0;
  return list_tar_members(
      [&](uint64_t offset, size_t length) {
        const uint64_t gap = offset - std::min(offset, last_offset);
        const bool after_large_member = std::max(gap, last_gap) > kWindow;
        last_gap = gap;
        last_offset = offset;
        if (length > kWindow) return read_exactly(file.descriptor(), offset, length);
        if (offset < window_start || offset + length > window_start + window.size()) {
          window = read_exactly(file.descriptor(), offset, after_large_member ? length : kWindow);
          window_start = offset;
        }
        return window.substr(static_cast<size_t>(offset - window_start),
                             std::min<size_t>(length, window.size() - static_cast<size_t>(offset - window_start)));
      },
      file.size());
}

std::optional<std::filesystem::path> archive_holding(const std::filesystem::path& member_path) {
  for (std::filesystem::path folder = member_path.parent_path(); folder.has_relative_path();
       folder = folder.parent_path()) {
    std::error_code error;
    if (std::filesystem::is_regular_file(folder, error)) return folder;
  }
  return std::nullopt;
}

BoundedRead read_tar_member(const std::filesystem::path& archive, uint64_t offset, uint64_t size, uint64_t max_bytes) {
  BoundedRead result;
  if (size > max_bytes) {
    result.error = "file too large: " + std::to_string(size) + " bytes (limit " + std::to_string(max_bytes) + ")";
    return result;
  }
  const RegularFile file(archive);
  if (!file.is_open()) {
    result.missing = file.missing();
    result.error = file.error();
    return result;
  }
  if (offset > file.size() || size > file.size() - offset) {
    result.error = "truncated: the archive ends before the member's bytes do";
    return result;
  }
  std::string bytes = read_exactly(file.descriptor(), offset, static_cast<size_t>(size));
  if (bytes.size() != size) {
    result.error = "cannot read the member's bytes from the archive";
    return result;
  }
  result.bytes = std::move(bytes);
  return result;
}

}  // namespace tl
