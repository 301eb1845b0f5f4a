#pragma once
// The message of the tl::Error an action throws, for tests that check what a user is told.
#include <functional>
#include <string>

#include "tl/base/error.hpp"

namespace tl::testing {

// "no error" when it throws none; any other exception escapes, failing the test.
inline std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const tl::Error& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace tl::testing
