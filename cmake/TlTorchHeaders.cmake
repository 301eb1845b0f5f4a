# LibTorch's headers cost 20-30 s of parsing in every translation unit that includes them, more
# than any of tl's own sources. They are compiled once, as the precompiled header of
# tl_torch_headers, and every target whose sources use tensors reuses it (REUSE_FROM: one header
# for the library modules, the tests and the benchmarks alike, since all share the same flags).
# ccache stays optional (cmake/TlDefaults.cmake lets it cache units built on the header).
include(TlIncludeGraph)
set(TL_INCLUDE_ROOT ${PROJECT_SOURCE_DIR}/include)

file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/generated/torch_headers.cpp
     CONTENT "// The unit LibTorch's precompiled headers are built with (cmake/TlTorchHeaders.cmake).\n")
add_library(tl_torch_headers OBJECT ${PROJECT_BINARY_DIR}/generated/torch_headers.cpp)
# The same flags and usage requirements as the units that reuse it (-Wpedantic and spdlog's
# definitions among them): GCC uses a precompiled header only where the macros it was built with are
# defined alike, and otherwise silently parses everything again (-Winvalid-pch says so; -Werror fails).
target_link_libraries(tl_torch_headers PRIVATE ${TORCH_LIBRARIES} opencv_core opencv_imgproc nlohmann_json::nlohmann_json
                                               spdlog::spdlog tl_warnings)
target_precompile_headers(tl_torch_headers PRIVATE <torch/torch.h> <torch/script.h> <opencv2/core.hpp>
                          <opencv2/imgproc.hpp> <nlohmann/json.hpp>)
# ccache caches clang's units built on the header only when the header records no timestamps
# (ccache's manual, "Precompiled headers"; the sloppiness is set in cmake/TlDefaults.cmake).
if(CCACHE_PROGRAM AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  target_compile_options(tl_torch_headers PRIVATE "SHELL:-Xclang -fno-pch-timestamp")
endif()

# tl_compile_units(target [EXECUTABLE]): how each unit of the target is compiled. The units that reach
# LibTorch start from the precompiled headers; those that need no tensors skip them, so they stay as
# fast to compile as before and cannot come to rely on LibTorch without including it. The units that
# reach LibTorch are compiled several to a unity unit, which shares the work of instantiating
# LibTorch's templates (measured cold on 2 cores with g++, the four quick-start tools: 212 s in
# batches of 4, 186 s in batches of 8). EXECUTABLE marks code outside the library (tools, tests,
# benchmarks and their support), whose own speed never matters: there the units without LibTorch
# compile at -O0 (clang: tl_train.cpp 13 s at -O1, 7 s at -O0) and those on the precompiled header at
# -O1, the lowest level with the header's __OPTIMIZE__, which clang requires to match.
set(TL_TORCH_UNITY_BATCH 8 CACHE STRING "LibTorch units compiled together as one (0: all of a target's)")
function(tl_compile_units target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "EXECUTABLE" "" "")
  get_target_property(sources ${target} SOURCES)
  get_target_property(source_dir ${target} SOURCE_DIR)
  set(tensor_free "")
  set(uses_tensors OFF)
  foreach(source IN LISTS sources)
    get_filename_component(path "${source}" ABSOLUTE BASE_DIR "${source_dir}")
    if(NOT path MATCHES "\\.cpp$" OR NOT EXISTS "${path}")
      continue()
    endif()
    tl_reaches_libtorch("${path}" reaches)
    if(reaches)
      set(uses_tensors ON)
    else()
      list(APPEND tensor_free "${source}")
    endif()
  endforeach()
  if(arg_EXECUTABLE)
    target_link_libraries(${target} PRIVATE tl_executable_units)
    if(tensor_free)
      set_source_files_properties(${tensor_free} TARGET_DIRECTORY ${target} PROPERTIES
                                  COMPILE_OPTIONS $<$<NOT:$<CONFIG:Debug>>:-O0>)
    endif()
  endif()
  if(NOT uses_tensors)
    return()
  endif()
  target_precompile_headers(${target} REUSE_FROM tl_torch_headers)
  # -DCMAKE_UNITY_BUILD=OFF (scripts/tidy.sh) keeps every unit apart, as tools that read
  # compile_commands.json per source file need.
  if(NOT DEFINED CMAKE_UNITY_BUILD OR CMAKE_UNITY_BUILD)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${TL_TORCH_UNITY_BATCH})
  endif()
  if(tensor_free)
    set_source_files_properties(${tensor_free} TARGET_DIRECTORY ${target} PROPERTIES SKIP_PRECOMPILE_HEADERS ON
                                                                                      SKIP_UNITY_BUILD_INCLUSION ON)
  endif()
endfunction()
