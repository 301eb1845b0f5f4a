#pragma once
// What an exception from LibTorch says, without its C++ backtrace, for a one-line error message.
// Free of LibTorch headers, so executables can report errors without compiling against tensors.
#include <exception>
#include <string>

namespace tl {

// "error in LibTorch: <message>" for LibTorch's own errors; what() for anything else.
std::string describe_library_error(const std::exception& error);

}  // namespace tl
