# Script mode (cmake -P), run on every build: writes the build-info source with the version and the
# git commit of the tree being built. configure_file leaves the file alone when nothing changed, so
# a build without a new commit recompiles nothing.
execute_process(COMMAND git -C "${SOURCE_DIR}" describe --always --dirty --abbrev=12
                OUTPUT_VARIABLE TL_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE result ERROR_QUIET)
if(NOT result EQUAL 0 OR TL_COMMIT STREQUAL "")
  set(TL_COMMIT "unknown")  # a source tarball, or no git installed
endif()
configure_file("${SOURCE_DIR}/cmake/build_info.cpp.in" "${OUTPUT}" @ONLY)
