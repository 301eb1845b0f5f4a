// Names from a file system are bytes: valid UTF-8 passes through, anything else becomes readable,
// distinct text that JSON can hold.
#include "tl/base/utf8_text.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

TEST(Utf8Text, ValidNamesPassUnchanged) {
  for (const std::string name : {"", "red",
                                 "r\xc3\xa9"
                                 "d",
                                 "\xe7\x8c\xab", "\xf0\x9f\x90\x88", "a\\b"}) {
    EXPECT_TRUE(tl::is_valid_utf8(name)) << name;
    EXPECT_EQ(tl::utf8_text(name), name);
  }
}

TEST(Utf8Text, StrayBytesAreEscapedAndTheResultIsJson) {
  EXPECT_EQ(tl::utf8_text(std::string("r\xe9"
                                      "d")),
            "r\\xe9d");
  EXPECT_EQ(tl::utf8_text(std::string("img\xff.jpg")), "img\\xff.jpg");
  EXPECT_EQ(tl::utf8_text(std::string("a\\b\xff")), "a\\\\b\\xff") << "a literal backslash stays distinct";
  EXPECT_EQ(tl::utf8_text(std::string("\xe7\x8c\xab\xe7\x8c")), "\xe7\x8c\xab\\xe7\\x8c") << "a cut-off sequence";
  for (const std::string bytes : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80", "\xfe"}) {
    EXPECT_FALSE(tl::is_valid_utf8(bytes)) << "overlong, surrogate, above U+10FFFF, lone continuation, 0xFE";
    const std::string text = tl::utf8_text(bytes);
    EXPECT_TRUE(tl::is_valid_utf8(text)) << text;
    EXPECT_NO_THROW((void)nlohmann::json(text).dump());
  }
  EXPECT_NE(tl::utf8_text(std::string("\xe9")), tl::utf8_text(std::string("\xe8")));
}

}  // namespace
