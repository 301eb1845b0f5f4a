# Every third-party dependency is found here, once. All come from Debian's packages
# (scripts/setup.sh); a CUDA-enabled LibTorch is picked up through CMAKE_PREFIX_PATH.
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(ZLIB REQUIRED)
find_package(JPEG REQUIRED)
find_package(Torch REQUIRED)
# The headers of the collective library LibTorch's c10d ProcessGroupGloo is built on (libgloo-dev);
# LibTorch itself carries the implementation.
find_package(Gloo CONFIG REQUIRED)

# Imported targets are visible only in the directory that found them; as another project's
# add_subdirectory(tl), that project's targets link tl's, so they must see LibTorch's and the rest.
if(NOT TL_TOP_LEVEL)
  get_directory_property(tl_imported_targets IMPORTED_TARGETS)
  foreach(imported IN LISTS tl_imported_targets)
    get_target_property(already_global ${imported} IMPORTED_GLOBAL)
    if(NOT already_global)
      set_target_properties(${imported} PROPERTIES IMPORTED_GLOBAL TRUE)
    endif()
  endforeach()
endif()

# yaml-cpp 0.7 exports the plain target name; newer releases add a namespace.
if(TARGET yaml-cpp::yaml-cpp)
  set(TL_YAML_TARGET yaml-cpp::yaml-cpp)
else()
  set(TL_YAML_TARGET yaml-cpp)
endif()

# The Python with torch, torchvision and cv2 (Debian's); a pyenv shim earlier on PATH lacks them.
find_program(TL_PYTHON NAMES python3 HINTS /usr/bin NO_DEFAULT_PATH)
if(NOT TL_PYTHON)
  find_program(TL_PYTHON NAMES python3)
endif()
