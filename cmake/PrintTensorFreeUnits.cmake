# Prints the units under src/ and apps/ that reach no LibTorch header (scripts/tidy.sh lints them):
#   cmake -DSOURCE_DIR=<project> -P PrintTensorFreeUnits.cmake
include(${CMAKE_CURRENT_LIST_DIR}/TlIncludeGraph.cmake)
set(TL_INCLUDE_ROOT "${SOURCE_DIR}/include")
file(GLOB_RECURSE units "${SOURCE_DIR}/src/*.cpp" "${SOURCE_DIR}/apps/*.cpp")
list(SORT units)
foreach(unit IN LISTS units)
  tl_reaches_libtorch("${unit}" reaches)
  if(NOT reaches)
    file(RELATIVE_PATH shown "${SOURCE_DIR}" "${unit}")
    message(NOTICE "${shown}")
  endif()
endforeach()
