#include "tl/data/image_header.hpp"

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <sstream>

namespace tl {
namespace {

// Bounds-checked reads: every offset below comes from the file, so none is trusted.
class Bytes {
 public:
  explicit Bytes(const std::string& bytes) : bytes_(bytes) {}

  size_t size() const { return bytes_.size(); }
  bool has(size_t offset, size_t count) const { return offset <= bytes_.size() && count <= bytes_.size() - offset; }
  bool starts_with(size_t offset, const std::string& prefix) const {
    return has(offset, prefix.size()) && bytes_.compare(offset, prefix.size(), prefix) == 0;
  }
  uint8_t u8(size_t offset) const { return static_cast<uint8_t>(bytes_[offset]); }
  uint64_t big(size_t offset, size_t count) const {
    uint64_t value = 0;
    for (size_t i = 0; i < count; ++i) value = (value << 8) | u8(offset + i);
    return value;
  }
  uint64_t little(size_t offset, size_t count) const {
    uint64_t value = 0;
    for (size_t i = count; i > 0; --i) value = (value << 8) | u8(offset + i - 1);
    return value;
  }
  std::string text(size_t offset, size_t count) const { return bytes_.substr(offset, count); }

 private:
  const std::string& bytes_;
};

std::optional<ImageHeader> sized(const char* format, long long width, long long height) {
  if (width < 0 || height < 0) return std::nullopt;
  return ImageHeader{format, width, height};
}

std::optional<ImageHeader> jpeg(const Bytes& b) {
  size_t i = 2;
  while (b.has(i, 9)) {
    if (b.u8(i) != 0xFF) return std::nullopt;
    const uint8_t marker = b.u8(i + 1);
    if (marker == 0xFF) {  // fill byte before a marker
      ++i;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {  // markers without a length
      i += 2;
      continue;
    }
    // Start-of-frame markers C0-CF, except DHT (C4), JPG (C8) and DAC (CC), hold the image size.
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      return sized("JPEG", static_cast<long long>(b.big(i + 7, 2)), static_cast<long long>(b.big(i + 5, 2)));
    }
    i += 2 + b.big(i + 2, 2);
  }
  return std::nullopt;
}

std::optional<ImageHeader> png(const Bytes& b) {
  if (!b.has(16, 8) || !b.starts_with(12, "IHDR")) return std::nullopt;
  return sized("PNG", static_cast<long long>(b.big(16, 4)), static_cast<long long>(b.big(20, 4)));
}

std::optional<ImageHeader> bmp(const Bytes& b) {
  if (!b.has(14, 4)) return std::nullopt;
  if (b.little(14, 4) == 12) {  // OS/2 BITMAPCOREHEADER: 16-bit sizes
    if (!b.has(18, 4)) return std::nullopt;
    return sized("BMP", static_cast<long long>(b.little(18, 2)), static_cast<long long>(b.little(20, 2)));
  }
  if (!b.has(18, 8)) return std::nullopt;
  // A negative height means rows stored top-down; the size is its magnitude.
  const auto width = static_cast<int32_t>(b.little(18, 4));
  const auto height = static_cast<int32_t>(b.little(22, 4));
  return sized("BMP", width, std::llabs(static_cast<long long>(height)));
}

std::optional<ImageHeader> gif(const Bytes& b) {
  if (!b.has(6, 4)) return std::nullopt;
  return sized("GIF", static_cast<long long>(b.little(6, 2)), static_cast<long long>(b.little(8, 2)));
}

std::optional<ImageHeader> webp(const Bytes& b) {
  if (b.starts_with(12, "VP8 ") && b.has(26, 4)) {
    return sized("WebP", static_cast<long long>(b.little(26, 2) & 0x3FFF),
                 static_cast<long long>(b.little(28, 2) & 0x3FFF));
  }
  if (b.starts_with(12, "VP8L") && b.has(21, 4)) {
    const uint64_t bits = b.little(21, 4);
    return sized("WebP", static_cast<long long>(bits & 0x3FFF) + 1, static_cast<long long>((bits >> 14) & 0x3FFF) + 1);
  }
  if (b.starts_with(12, "VP8X") && b.has(24, 6)) {
    return sized("WebP", static_cast<long long>(b.little(24, 3)) + 1, static_cast<long long>(b.little(27, 3)) + 1);
  }
  return std::nullopt;
}

// Classic TIFF (32-bit offsets) and BigTIFF (64-bit): ImageWidth (256) and ImageLength (257) of the
// first image directory, the page OpenCV decodes.
std::optional<ImageHeader> tiff(const Bytes& b, bool little_endian, bool big_tiff) {
  const auto read = [&](size_t offset, size_t count) {
    return little_endian ? b.little(offset, count) : b.big(offset, count);
  };
  const size_t offset_size = big_tiff ? 8 : 4, count_size = big_tiff ? 8 : 2, entry_size = big_tiff ? 20 : 12;
  const size_t first = big_tiff ? 8 : 4;
  if (!b.has(first, offset_size)) return std::nullopt;
  const uint64_t directory = read(first, offset_size);
  if (directory >= b.size() || !b.has(directory, count_size)) return std::nullopt;
  const uint64_t entries = read(directory, count_size);
  long long width = -1, height = -1;
  for (uint64_t e = 0; e < entries; ++e) {
    const size_t entry = directory + count_size + e * entry_size;
    if (!b.has(entry, entry_size)) return std::nullopt;
    const uint64_t tag = read(entry, 2), type = read(entry + 2, 2);
    const size_t value = entry + 4 + offset_size;
    const size_t value_size = type == 3 ? 2 : type == 4 ? 4 : type == 16 ? 8 : 0;  // SHORT, LONG, LONG8
    // LONG8 fits an entry's value field only in BigTIFF (found by tests/fuzz/image_fuzzer: a classic
    // TIFF entry typed LONG8 at the end of the file was read 4 bytes past it).
    if (value_size == 0 || value_size > offset_size || (tag != 256 && tag != 257)) continue;
    (tag == 256 ? width : height) = static_cast<long long>(read(value, value_size));
  }
  if (width < 0 || height < 0) return std::nullopt;
  return sized("TIFF", width, height);
}

// Netpbm headers are text: "P6 640 480 255", with # comments; PAM spells out WIDTH and HEIGHT.
std::optional<ImageHeader> netpbm(const Bytes& b) {
  const std::string header = b.text(0, 1024);
  if (header[1] == '7') {
    std::istringstream lines(header.substr(2));
    std::string key;
    long long width = -1, height = -1;
    while (lines >> key && key != "ENDHDR") {
      if (key == "WIDTH") lines >> width;
      if (key == "HEIGHT") lines >> height;
    }
    if (width < 0 || height < 0) return std::nullopt;
    return sized("PAM", width, height);
  }
  std::string numbers;
  for (size_t i = 2; i < header.size(); ++i) {
    if (header[i] == '#') {
      while (i < header.size() && header[i] != '\n') ++i;
      numbers += ' ';
    } else {
      numbers += header[i];
    }
  }
  std::istringstream fields(numbers);
  long long width = -1, height = -1;
  if (!(fields >> width >> height)) return std::nullopt;
  return sized(header[1] == 'F' || header[1] == 'f' ? "PFM" : "PNM", width, height);
}

// Radiance HDR: text lines, a blank line, then the resolution, e.g. "-Y 480 +X 640".
std::optional<ImageHeader> radiance(const Bytes& b) {
  const std::string header = b.text(0, 4096);
  const size_t blank = header.find("\n\n");
  if (blank == std::string::npos) return std::nullopt;
  std::istringstream resolution(header.substr(blank + 2));
  std::string first_axis, second_axis;
  long long first = -1, second = -1;
  if (!(resolution >> first_axis >> first >> second_axis >> second)) return std::nullopt;
  const bool y_first = first_axis.size() == 2 && first_axis[1] == 'Y';
  return sized("Radiance HDR", y_first ? second : first, y_first ? first : second);
}

std::optional<ImageHeader> jpeg2000_codestream(const Bytes& b, size_t start) {
  // SOC, SIZ marker, Lsiz, Rsiz, then Xsiz, Ysiz, XOsiz, YOsiz: the image area is the size minus the offset.
  if (!b.has(start + 8, 16)) return std::nullopt;
  const auto x = static_cast<long long>(b.big(start + 8, 4)), y = static_cast<long long>(b.big(start + 12, 4));
  const auto x0 = static_cast<long long>(b.big(start + 16, 4)), y0 = static_cast<long long>(b.big(start + 20, 4));
  return sized("JPEG 2000", x - x0, y - y0);
}

// JP2 files are boxes (length, type); the image header box sits inside the jp2h box.
std::optional<ImageHeader> jp2(const Bytes& b, size_t begin, size_t end) {
  size_t box = begin;
  while (box < end && b.has(box, 8)) {
    uint64_t length = b.big(box, 4);
    size_t header = 8;
    if (length == 1) {
      if (!b.has(box + 8, 8)) return std::nullopt;
      length = b.big(box + 8, 8), header = 16;
    } else if (length == 0) {
      length = end - box;
    }
    if (length < header || length > end - box) return std::nullopt;
    const std::string type = b.text(box + 4, 4);
    if (type == "jp2h") return jp2(b, box + header, box + length);
    if (type == "ihdr" && b.has(box + header, 8)) {
      return sized("JPEG 2000", static_cast<long long>(b.big(box + header + 4, 4)),
                   static_cast<long long>(b.big(box + header, 4)));
    }
    box += length;
  }
  return std::nullopt;
}

// OpenEXR: after magic and version, attributes "name\0type\0<size><value>" up to an empty name;
// dataWindow is a box2i (xmin, ymin, xmax, ymax), inclusive.
std::optional<ImageHeader> openexr(const Bytes& b) {
  size_t i = 8;
  while (b.has(i, 1) && b.u8(i) != 0) {
    const std::string rest = b.text(i, 512);
    const size_t name_end = rest.find('\0');
    const size_t type_end = name_end == std::string::npos ? std::string::npos : rest.find('\0', name_end + 1);
    if (type_end == std::string::npos || !b.has(i + type_end + 1, 4)) return std::nullopt;
    const std::string name = rest.substr(0, name_end);
    const size_t value = i + type_end + 5;
    const uint64_t size = b.little(i + type_end + 1, 4);
    if (name == "dataWindow" && size == 16 && b.has(value, 16)) {
      const auto coordinate = [&](size_t k) {
        return static_cast<long long>(static_cast<int32_t>(b.little(value + 4 * k, 4)));
      };
      return sized("OpenEXR", coordinate(2) - coordinate(0) + 1, coordinate(3) - coordinate(1) + 1);
    }
    if (size > b.size()) return std::nullopt;
    i = value + size;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ImageHeader> read_image_header(const std::string& bytes) {
  const Bytes b(bytes);
  if (b.has(0, 2) && b.u8(0) == 0xFF && b.u8(1) == 0xD8) return jpeg(b);
  if (b.starts_with(0, "\x89PNG\r\n\x1a\n")) return png(b);
  if (b.starts_with(0, "BM")) return bmp(b);
  if (b.starts_with(0, "GIF87a") || b.starts_with(0, "GIF89a")) return gif(b);
  if (b.starts_with(0, "RIFF") && b.starts_with(8, "WEBP")) return webp(b);
  if (b.starts_with(0, std::string("II*\0", 4))) return tiff(b, true, false);
  if (b.starts_with(0, std::string("MM\0*", 4))) return tiff(b, false, false);
  if (b.starts_with(0, std::string("II+\0", 4))) return tiff(b, true, true);
  if (b.starts_with(0, std::string("MM\0+", 4))) return tiff(b, false, true);
  if (b.has(0, 3) && b.u8(0) == 'P' && ((b.u8(1) >= '1' && b.u8(1) <= '7') || b.u8(1) == 'F' || b.u8(1) == 'f') &&
      std::isspace(b.u8(2))) {
    return netpbm(b);
  }
  if (b.starts_with(0, "\x59\xA6\x6A\x95")) {
    if (!b.has(4, 8)) return std::nullopt;
    return sized("Sun raster", static_cast<long long>(b.big(4, 4)), static_cast<long long>(b.big(8, 4)));
  }
  if (b.starts_with(0, "#?RADIANCE") || b.starts_with(0, "#?RGBE")) return radiance(b);
  if (b.starts_with(0, "\xFF\x4F\xFF\x51")) return jpeg2000_codestream(b, 0);
  if (b.starts_with(0, std::string("\0\0\0\x0CjP  \r\n\x87\n", 12))) return jp2(b, 0, b.size());
  if (b.starts_with(0, "\x76\x2F\x31\x01")) return openexr(b);
  return std::nullopt;
}

}  // namespace tl
