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
  # Units built on a precompiled header are cached only with this sloppiness (ccache's manual, "Precompiled
  # headers"); without it ccache compiles them every time.
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CMAKE_COMMAND} -E env CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
                                  ${CCACHE_PROGRAM})
endif()

# Objects of a static library compile while the libraries it links are still building (only the
# final links wait): the modules' units then fill both cores from the start of a cold build.
set(CMAKE_OPTIMIZE_DEPENDENCIES ON)

# The executables' own units (flag parsing, test cases, benchmark loops) at no more than -O1: their
# speed never matters, and at -O3 the header-only CLI11 and GoogleTest made them the slowest units of
# a cold build (g++: tl_eval.cpp 23 s, 11 s at -O1). tl_compile_units (cmake/TlTorchHeaders.cmake)
# lowers those without LibTorch to -O0; -O1 keeps __OPTIMIZE__ defined, as the precompiled LibTorch
# headers (built at the configuration's level) require. The library keeps the configuration's level.
add_library(tl_executable_units INTERFACE)
target_compile_options(tl_executable_units INTERFACE $<$<NOT:$<CONFIG:Debug>>:-O1>)

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
                      $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
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
