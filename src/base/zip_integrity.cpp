#include "tl/base/zip_integrity.hpp"

#include <algorithm>
#include <cstdint>

#include <zlib.h>

namespace tl {
namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50, kZip64Locator = 0x07064b50, kZip64End = 0x06064b50;
constexpr uint32_t kDirectoryEntry = 0x02014b50, kLocalHeader = 0x04034b50;
constexpr uint32_t kInZip64 = 0xFFFFFFFF;

class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {}
  bool has(uint64_t offset, uint64_t count) const { return offset <= bytes_.size() && count <= bytes_.size() - offset; }
  uint64_t little(uint64_t offset, int count) const {
    uint64_t value = 0;
    for (int i = count; i > 0; --i) value = (value << 8) | static_cast<uint8_t>(bytes_[offset + i - 1]);
    return value;
  }
  const char* at(uint64_t offset) const { return bytes_.data() + offset; }
  uint64_t size() const { return bytes_.size(); }

 private:
  const std::string& bytes_;
};

struct Directory {
  uint64_t entries = 0, offset = 0;
};

std::optional<Directory> find_directory(const Reader& zip) {
  if (zip.size() < 22) return std::nullopt;
  // The end record is the last 22 bytes plus a comment of at most 65535.
  const uint64_t lowest = zip.size() > 22 + 65535 ? zip.size() - 22 - 65535 : 0;
  for (uint64_t end = zip.size() - 22 + 1; end-- > lowest;) {
    if (zip.little(end, 4) != kEndOfDirectory) continue;
    Directory directory{zip.little(end + 10, 2), zip.little(end + 16, 4)};
    if (directory.entries == 0xFFFF || directory.offset == kInZip64) {
      if (end < 20 || zip.little(end - 20, 4) != kZip64Locator) return std::nullopt;
      const uint64_t record = zip.little(end - 20 + 8, 8);
      if (!zip.has(record, 56) || zip.little(record, 4) != kZip64End) return std::nullopt;
      directory = {zip.little(record + 32, 8), zip.little(record + 48, 8)};
    }
    return directory;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> zip_damage(const std::string& bytes, const ZipLimits& limits) {
  const Reader zip(bytes);
  const auto directory = find_directory(zip);
  if (!directory) return "not a zip archive (no central directory)";
  uint64_t entry = directory->offset;
  for (uint64_t e = 0; e < directory->entries; ++e) {
    if (!zip.has(entry, 46) || zip.little(entry, 4) != kDirectoryEntry) return "central directory is damaged";
    const uint64_t method = zip.little(entry + 10, 2), crc = zip.little(entry + 16, 4);
    uint64_t compressed = zip.little(entry + 20, 4), local = zip.little(entry + 42, 4);
    const uint64_t uncompressed32 = zip.little(entry + 24, 4);
    const uint64_t name_length = zip.little(entry + 28, 2), extra_length = zip.little(entry + 30, 2);
    const uint64_t comment_length = zip.little(entry + 32, 2);
    if (!zip.has(entry + 46, name_length + extra_length)) return "central directory is damaged";
    const std::string name(zip.at(entry + 46), name_length);
    // Sizes and offsets too large for 32 bits live in the zip64 extra field, in this order. A field
    // may claim more bytes than the extra area holds (found by tests/fuzz/checkpoint_fuzzer): reads
    // stay inside the area.
    const uint64_t extra_end = entry + 46 + name_length + extra_length;
    uint64_t uncompressed = uncompressed32;
    for (uint64_t field = entry + 46 + name_length; field + 4 <= extra_end;) {
      const uint64_t id = zip.little(field, 2), length = zip.little(field + 2, 2);
      if (id == 1) {
        uint64_t at = field + 4;
        const uint64_t field_end = std::min(field + 4 + length, extra_end);
        const auto next = [&](uint64_t& value) {
          if (value == kInZip64 && at + 8 <= field_end) value = zip.little(at, 8), at += 8;
        };
        next(uncompressed);
        next(compressed);
        next(local);
      }
      field += 4 + length;
    }
    if (uncompressed > limits.max_entry_bytes) {
      return "entry " + name + ": inflates to " + std::to_string(uncompressed) + " bytes (limit " +
             std::to_string(limits.max_entry_bytes) + ")";
    }
    if (method == 0 && uncompressed != compressed) {
      return "entry " + name + ": stored uncompressed, yet its " + std::to_string(compressed) + " bytes claim to be " +
             std::to_string(uncompressed);
    }
    if (method != 0 &&
        static_cast<double>(uncompressed) > limits.max_ratio * static_cast<double>(std::max<uint64_t>(compressed, 1))) {
      return "entry " + name + ": " + std::to_string(compressed) + " bytes inflate to " + std::to_string(uncompressed) +
             ", more than " + std::to_string(static_cast<int>(limits.max_ratio)) + " times (a decompression bomb?)";
    }
    if (!zip.has(local, 30) || zip.little(local, 4) != kLocalHeader)
      return "entry " + name + ": local header is damaged";
    const uint64_t data = local + 30 + zip.little(local + 26, 2) + zip.little(local + 28, 2);
    if (!zip.has(data, compressed)) return "entry " + name + ": data runs past the end of the file (truncated?)";
    // LibTorch stores entries uncompressed; a compressed entry's CRC is checked by whoever inflates it.
    if (method == 0) {
      uLong computed = crc32(0L, Z_NULL, 0);
      for (uint64_t done = 0; done < compressed;) {
        const auto chunk = static_cast<uInt>(std::min<uint64_t>(compressed - done, 1U << 30));
        computed = crc32(computed, reinterpret_cast<const Bytef*>(zip.at(data + done)), chunk);
        done += chunk;
      }
      if (computed != crc) return "entry " + name + ": CRC-32 mismatch (the file is damaged)";
    }
    entry += 46 + name_length + extra_length + comment_length;
  }
  return std::nullopt;
}

}  // namespace tl
