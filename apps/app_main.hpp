#pragma once
// The one policy every tl executable shares: errors a user can act on are printed as one line and
// exit 1; usage errors are CLI11's (exit code 2 and a hint); anything unexpected also exits 1.
#include <cstdio>
#include <exception>
#include <functional>

#include <c10/util/Exception.h>

#include "tl/error.hpp"

namespace tl::app {

constexpr int kExitError = 1;

inline int guarded(const char* program, const std::function<int()>& body) {
  try {
    return body();
  } catch (const tl::Error& error) {
    std::fprintf(stderr, "%s: error: %s\n", program, error.what());
  } catch (const c10::Error& error) {
    std::fprintf(stderr, "%s: error in LibTorch: %s\n", program, error.what_without_backtrace());
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s: unexpected error: %s\n", program, error.what());
  }
  return kExitError;
}

}  // namespace tl::app
