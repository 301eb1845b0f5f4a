#pragma once
// Decoding an image file into 8-bit, 3-channel RGB whatever it holds: the format is taken from the
// bytes, not the extension (a PNG named .jpg decodes as PNG); grayscale, alpha, 16-bit, palette and
// CMYK inputs all become RGB; EXIF orientation is applied. A file that cannot be decoded gives an
// error string, never an exception, so a loader can skip it, count it and go on.
#include <filesystem>
#include <optional>
#include <string>

#include <opencv2/core/mat.hpp>

#include "tl/base/file_bytes.hpp"
#include "tl/data/dataset.hpp"

namespace tl {

// Larger images are refused from their header, before decoding: a photo this big is far more likely
// a decompression bomb or a lying header than a training image (Pillow warns at 89 megapixels).
constexpr long long kMaxImagePixels = 1LL << 27;  // ~134 megapixels, e.g. 11585 x 11585
// Larger files are not read: 256 MiB holds an uncompressed 85-megapixel RGB image.
constexpr unsigned long long kMaxImageFileBytes = 256ULL << 20;

struct DecodedImage {
  cv::Mat rgb;        // CV_8UC3, RGB order; empty when decoding failed
  std::string error;  // why it failed, e.g. "empty file", "not a decodable image"
};

// shorter_side_needed > 0 allows a faster, smaller decode: a JPEG whose shorter side is at least
// twice that is decoded by libjpeg at 1/2, 1/4 or 1/8 scale (IMREAD_REDUCED_*: the largest factor
// that keeps the shorter side >= shorter_side_needed), skipping most of the inverse DCT work.
// An image file's bytes: a regular file of at most kMaxImageFileBytes, else the reason it is skipped.
// A path through a tar archive (shards/train-000000.tar/000000012.jpg, as a shard's samples are
// recorded) reads that member, so a record's path can be opened again by tl-predict and reports.
BoundedRead read_image_file(const std::filesystem::path& path);
// A sample's bytes: its file, or its member of a shard read at the offset the listing found.
BoundedRead read_sample(const Sample& sample);

DecodedImage decode_image_file(const std::filesystem::path& path, int shorter_side_needed = 0);
DecodedImage decode_image_bytes(const std::string& bytes, int shorter_side_needed = 0);
DecodedImage decode_sample(const Sample& sample, int shorter_side_needed = 0);

// Width and height from a JPEG's frame header, without decoding; nothing if the bytes are no JPEG.
std::optional<cv::Size> jpeg_size(const std::string& bytes);

}  // namespace tl
