# Build defaults shared by every target: Release unless told otherwise, C++17,
# warnings on, and ccache when it is installed (LibTorch translation units are slow).
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()

add_library(tl_warnings INTERFACE)
target_compile_options(tl_warnings INTERFACE -Wall -Wextra -Wpedantic
                       $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local> $<$<CXX_COMPILER_ID:Clang>:-Wshadow-uncaptured-local>)

# -DTL_WERROR=ON: warnings fail the build (CI's sanitizer job uses it).
option(TL_WERROR "Treat compiler warnings as errors" OFF)
if(TL_WERROR)
  target_compile_options(tl_warnings INTERFACE -Werror)
endif()

# -DTL_SANITIZE=address,undefined: build everything with those sanitizers (e.g. for `ctest -L unit`).
set(TL_SANITIZE "" CACHE STRING "Comma-separated -fsanitize= list, e.g. address,undefined")
if(TL_SANITIZE)
  # GCC 12's -Wmaybe-uninitialized misfires on libstdc++'s <regex> and <functional> once sanitizer
  # instrumentation is inlined; it is not a finding about tl's code.
  add_compile_options(-fsanitize=${TL_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all
                      -Wno-maybe-uninitialized)
  add_link_options(-fsanitize=${TL_SANITIZE})
endif()

# -DTL_FUZZ=ON (clang only): the libFuzzer targets in tests/fuzz, with everything they link built for
# coverage-guided fuzzing under AddressSanitizer and UndefinedBehaviorSanitizer.
option(TL_FUZZ "Build the libFuzzer targets (needs clang)" OFF)
if(TL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TL_FUZZ needs clang: add -DCMAKE_CXX_COMPILER=clang++")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
endif()
