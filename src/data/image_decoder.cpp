#include "tl/data/image_decoder.hpp"

#include <algorithm>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "tl/base/error.hpp"
#include "tl/base/file_bytes.hpp"
#include "tl/data/image_header.hpp"
#include "tl/data/jpeg_decoder.hpp"
#include "tl/data/tar_reader.hpp"

namespace tl {
namespace {

// libjpeg decodes a truncated JPEG into a half-grey picture with only a warning, so truncation is
// checked on the bytes: a whole JPEG ends with the EOI marker, give or take trailing padding.
bool is_truncated_jpeg(const std::string& bytes) {
  const bool jpeg =
      bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0xFF && static_cast<unsigned char>(bytes[1]) == 0xD8;
  if (!jpeg) return false;
  const size_t tail_start = bytes.size() > 1024 ? bytes.size() - 1024 : 2;
  return bytes.find("\xFF\xD9", tail_start) == std::string::npos;
}

// The JPEG scale (1/2, 1/4 or 1/8) that keeps the shorter side at least shorter_side_needed.
int jpeg_scale_denominator(const ImageHeader& header, int shorter_side_needed) {
  if (shorter_side_needed <= 0 || header.format != "JPEG") return 1;
  const long long shorter = std::min(header.width, header.height);
  for (const int denominator : {8, 4, 2}) {
    if (shorter >= static_cast<long long>(denominator) * shorter_side_needed) return denominator;
  }
  return 1;
}

// OpenCV picks a decoder by trying each one's signature check in turn, and its DICOM decoder (GDCM)
// claims any bytes with "DICM" at offset 128 and then aborts the whole process with an assert on a
// malformed file, which no catch can stop. tl trains on photos, not DICOM: such bytes never reach
// OpenCV. Four given bytes at that place in a real photo are a one-in-four-billion chance.
bool carries_dicom_signature(const std::string& bytes) {
  return bytes.size() >= 132 && bytes.compare(128, 4, "DICM") == 0;
}

int opencv_read_flag(int scale_denominator) {
  switch (scale_denominator) {
    case 8: return cv::IMREAD_REDUCED_COLOR_8;
    case 4: return cv::IMREAD_REDUCED_COLOR_4;
    case 2: return cv::IMREAD_REDUCED_COLOR_2;
    default: return cv::IMREAD_COLOR;
  }
}

}  // namespace

std::optional<cv::Size> jpeg_size(const std::string& bytes) {
  const auto header = read_image_header(bytes);
  if (!header || header->format != "JPEG") return std::nullopt;
  return cv::Size(static_cast<int>(header->width), static_cast<int>(header->height));
}

DecodedImage decode_image_bytes(const std::string& bytes, int shorter_side_needed) {
  DecodedImage result;
  if (bytes.empty()) {
    result.error = "empty file";
    return result;
  }
  // OpenCV's own limit (OPENCV_IO_MAX_IMAGE_PIXELS, 2^30 pixels by default) is read once when the
  // library loads, so it cannot be lowered from here; the header is checked first instead.
  const auto header = read_image_header(bytes);
  if (!header) {
    result.error = "not a decodable image (unknown format, or its header is cut short)";
    return result;
  }
  if (header->pixels() > kMaxImagePixels) {
    result.error = "image too large: its " + header->format + " header claims " + std::to_string(header->width) + "x" +
                   std::to_string(header->height) + " pixels (limit " + std::to_string(kMaxImagePixels) +
                   " pixels); refused before decoding";
    return result;
  }
  if (is_truncated_jpeg(bytes)) {
    result.error = "truncated JPEG (no end-of-image marker)";
    return result;
  }
  const int scale_denominator = jpeg_scale_denominator(*header, shorter_side_needed);
  if (header->format == "JPEG") {
    if (auto decoded = decode_jpeg(bytes, scale_denominator)) return *decoded;
  }
  if (carries_dicom_signature(bytes)) {
    result.error = "refused: the bytes carry DICOM's signature (\"DICM\" at offset 128) and tl does not decode DICOM";
    return result;
  }
  const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
  cv::Mat bgr;
  try {
    // IMREAD_COLOR (and its reduced forms) converts gray, alpha, 16-bit, palette and CMYK to 8-bit
    // BGR and applies EXIF orientation.
    bgr = cv::imdecode(raw, opencv_read_flag(scale_denominator));
  } catch (const cv::Exception& error) {
    result.error = std::string("decoder error: ") + error.what();
    return result;
  }
  if (bgr.empty()) {
    result.error = header->format == "GIF"
                       ? "GIF is not decodable: this OpenCV build has no GIF decoder (convert it to PNG)"
                       : "not a decodable " + header->format + " image (corrupt, truncated or too large)";
    return result;
  }
  if (static_cast<long long>(bgr.cols) * bgr.rows > kMaxImagePixels) {
    result.error = "image too large: " + std::to_string(bgr.cols) + "x" + std::to_string(bgr.rows);
    return result;
  }
  cv::cvtColor(bgr, result.rgb, cv::COLOR_BGR2RGB);
  return result;
}

namespace {

// The member `path` names inside the archive that is one of its folders, if one is.
std::optional<BoundedRead> read_through_archive(const std::filesystem::path& path) {
  const auto archive = archive_holding(path);
  if (!archive) return std::nullopt;
  const std::string name = path.lexically_relative(*archive).generic_string();
  TarListing listing;
  try {
    listing = list_tar_members(*archive);
  } catch (const Error&) {
    return std::nullopt;
  }
  for (const TarMember& member : listing.members) {
    if (member.name == name && member.regular) {
      return read_tar_member(*archive, member.offset, member.size, kMaxImageFileBytes);
    }
  }
  BoundedRead missing;
  missing.missing = true;
  missing.error = "no member " + name + " in the archive " + archive->string();
  return missing;
}

DecodedImage decode_read(const BoundedRead& file, int shorter_side_needed) {
  if (!file.bytes) {
    DecodedImage result;
    result.error = file.error;
    return result;
  }
  return decode_image_bytes(*file.bytes, shorter_side_needed);
}

}  // namespace

BoundedRead read_image_file(const std::filesystem::path& path) {
  BoundedRead file = read_regular_file(path, kMaxImageFileBytes);
  if (!file.bytes && !file.missing) {
    if (auto member = read_through_archive(path)) return std::move(*member);
  }
  return file;
}

BoundedRead read_sample(const Sample& sample) {
  if (!sample.member) return read_image_file(sample.path);
  return read_tar_member(*sample.member->archive, sample.member->offset, sample.member->size, kMaxImageFileBytes);
}

DecodedImage decode_image_file(const std::filesystem::path& path, int shorter_side_needed) {
  return decode_read(read_image_file(path), shorter_side_needed);
}

DecodedImage decode_sample(const Sample& sample, int shorter_side_needed) {
  return decode_read(read_sample(sample), shorter_side_needed);
}

}  // namespace tl
