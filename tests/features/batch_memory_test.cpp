// A backbone batch that cannot fit the machine is refused before any work, with a size that fits.
#include "tl/features/batch_memory.hpp"

#include <gtest/gtest.h>

#include "tl/base/error.hpp"

namespace {

std::string error_of(const tl::Preprocessing& preprocessing, int64_t batch, int64_t memory) {
  try {
    tl::check_batch_fits_memory(preprocessing, batch, "data.batch_size", memory);
  } catch (const tl::Error& error) {
    return error.what();
  }
  return "fits";
}

// data.image_size 4096 at the default batch once needed more than 12 GB before anything said so.
TEST(BatchMemory, ABatchPastHalfTheMemoryIsRefusedWithASizeThatFits) {
  tl::Preprocessing large;
  large.height = large.width = 1024;
  const int64_t eight_gib = 8LL << 30;
  EXPECT_EQ(tl::batch_memory_bytes(large, 1), 3LL * 1024 * 1024 * 4 * 49);
  EXPECT_EQ(error_of(large, 16, eight_gib),
            "data.batch_size: a batch of 16 inputs of 1024x1024 needs about 9408 MiB with the backbone's activations, "
            "more than half of this machine's 8192 MiB; set data.batch_size to 6 or less");
  EXPECT_EQ(error_of(large, 6, eight_gib), "fits");
  tl::Preprocessing usual;  // 224 x 224
  EXPECT_EQ(error_of(usual, 64, eight_gib), "fits");
  EXPECT_EQ(error_of(usual, 64, -1), "fits") << "on this machine";
}

}  // namespace
