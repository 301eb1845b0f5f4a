#include "tl/features/library_error.hpp"

#include <c10/util/Exception.h>

namespace tl {

std::string describe_library_error(const std::exception& error) {
  if (const auto* torch_error = dynamic_cast<const c10::Error*>(&error)) {
    return std::string("error in LibTorch: ") + torch_error->what_without_backtrace();
  }
  return std::string("unexpected error: ") + error.what();
}

}  // namespace tl
