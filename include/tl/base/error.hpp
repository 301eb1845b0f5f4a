#pragma once
// tl::Error is what every user-facing failure in the library throws: a message a user can act on,
// naming the file or field at fault and what was expected. Executables print what() and exit non-zero.
#include <stdexcept>
#include <string>

namespace tl {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tl
