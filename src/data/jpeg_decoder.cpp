#include "tl/data/jpeg_decoder.hpp"

#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstring>

// jpeglib.h needs size_t and FILE declared first.
#include <jerror.h>
#include <jpeglib.h>
#include <opencv2/core.hpp>

namespace tl {
namespace {

struct ErrorManager {
  jpeg_error_mgr base;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void stop_decoding(j_common_ptr info) {
  auto* errors = reinterpret_cast<ErrorManager*>(info->err);
  (*info->err->format_message)(info, errors->message);
  std::longjmp(errors->jump, 1);
}

// Level -1 is a warning. Extraneous bytes before a marker are common in camera files and lose no
// pixel data; every other warning (premature end of data, a corrupt segment, a bad progression)
// means parts of the picture are libjpeg's grey fill, so the file is refused.
void on_message(j_common_ptr info, int level) {
  if (level == -1 && info->err->msg_code != JWRN_EXTRANEOUS_DATA) stop_decoding(info);
}

void ignore_output(j_common_ptr) {}

unsigned read_u16(const JOCTET* at, bool big_endian) {
  return big_endian ? (at[0] << 8) | at[1] : (at[1] << 8) | at[0];
}

uint32_t read_u32(const JOCTET* at, bool big_endian) {
  return big_endian ? (read_u16(at, true) << 16) | read_u16(at + 2, true)
                    : (read_u16(at + 2, false) << 16) | read_u16(at, false);
}

// The Orientation tag (0x0112) of IFD0 in an APP1 "Exif" segment; 1 (as stored) when absent.
int exif_orientation(jpeg_saved_marker_ptr marker) {
  for (; marker != nullptr; marker = marker->next) {
    const JOCTET* data = marker->data;
    const size_t size = marker->data_length;
    if (marker->marker != JPEG_APP0 + 1 || size < 14 || std::memcmp(data, "Exif\0\0", 6) != 0) continue;
    const JOCTET* tiff = data + 6;
    const size_t tiff_size = size - 6;
    const bool big_endian = tiff[0] == 'M' && tiff[1] == 'M';
    if (!big_endian && !(tiff[0] == 'I' && tiff[1] == 'I')) return 1;
    const uint32_t ifd = read_u32(tiff + 4, big_endian);
    if (ifd > tiff_size - 2) return 1;
    const unsigned entries = read_u16(tiff + ifd, big_endian);
    for (unsigned i = 0; i < entries; ++i) {
      const size_t entry = ifd + 2 + 12 * static_cast<size_t>(i);
      if (entry + 12 > tiff_size) return 1;
      if (read_u16(tiff + entry, big_endian) == 0x0112 && read_u16(tiff + entry + 2, big_endian) == 3) {
        const unsigned value = read_u16(tiff + entry + 8, big_endian);
        return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
      }
    }
    return 1;
  }
  return 1;
}

// As OpenCV's imread applies it, so that both decoders give the same picture.
void apply_orientation(cv::Mat& image, int orientation) {
  if (orientation >= 5) cv::transpose(image, image);
  switch (orientation) {
    case 2:
    case 6: cv::flip(image, image, 1); break;
    case 3:
    case 7: cv::flip(image, image, -1); break;
    case 4:
    case 8: cv::flip(image, image, 0); break;
    default: break;
  }
}

enum class Outcome { decoded, failed, left_to_opencv };

// Only plain C data lives in this frame across setjmp: the image and the message are written
// through pointers to the caller's objects, so a longjmp leaves no C++ object half-built.
Outcome run_libjpeg(const std::string& bytes, int scale_denominator, cv::Mat* image, int* orientation,
                    ErrorManager* errors) {
  jpeg_decompress_struct info;
  info.err = jpeg_std_error(&errors->base);
  errors->base.error_exit = stop_decoding;
  errors->base.emit_message = on_message;
  errors->base.output_message = ignore_output;
  if (setjmp(errors->jump) != 0) {
    jpeg_destroy_decompress(&info);
    return Outcome::failed;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<unsigned long>(bytes.size()));
  jpeg_save_markers(&info, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&info, TRUE);
  if (info.num_components == 4) {
    jpeg_destroy_decompress(&info);
    return Outcome::left_to_opencv;
  }
  info.out_color_space = JCS_EXT_RGB;
  info.scale_num = 1;
  info.scale_denom = static_cast<unsigned>(scale_denominator);
  jpeg_start_decompress(&info);
  image->create(static_cast<int>(info.output_height), static_cast<int>(info.output_width), CV_8UC3);
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = image->ptr(static_cast<int>(info.output_scanline));
    jpeg_read_scanlines(&info, &row, 1);
  }
  *orientation = exif_orientation(info.marker_list);
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return Outcome::decoded;
}

}  // namespace

std::optional<DecodedImage> decode_jpeg(const std::string& bytes, int scale_denominator) {
  DecodedImage result;
  ErrorManager errors{};
  int orientation = 1;
  switch (run_libjpeg(bytes, scale_denominator, &result.rgb, &orientation, &errors)) {
    case Outcome::left_to_opencv: return std::nullopt;
    case Outcome::failed:
      result.rgb.release();
      result.error = std::string("JPEG refused by libjpeg: ") + errors.message;
      return result;
    case Outcome::decoded: apply_orientation(result.rgb, orientation); return result;
  }
  return result;
}

}  // namespace tl
