#include "tl/base/content_hash.hpp"

#include <array>
#include <memory>

#include <openssl/evp.h>


namespace tl {
namespace {

using DigestContext = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

DigestContext start_sha256() {
  DigestContext context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
  return context;
}

std::string finish_hex(const DigestContext& context) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest.data(), &length);
  static const char* hex = "0123456789abcdef";
  std::string text;
  for (unsigned int i = 0; i < length; ++i) {
    text += hex[digest[i] >> 4];
    text += hex[digest[i] & 15];
  }
  return text;
}

}  // namespace

std::string sha256_bytes(const std::string& bytes) {
  const DigestContext context = start_sha256();
  EVP_DigestUpdate(context.get(), bytes.data(), bytes.size());
  return finish_hex(context);
}

}  // namespace tl
