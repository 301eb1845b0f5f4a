# Included before project(): clang++ is the default compiler when the user has not named one (CXX,
# -DCMAKE_CXX_COMPILER, or a parent project's choice). Measured cold on 2 cores with the same
# precompiled LibTorch headers: trainer's unity unit 37 s with g++ 12, 15 s with clang++ 14; a unit
# that only includes the precompiled header 8 s and 2.3 s (clang instantiates the header's pending
# templates once, in the header: -fpch-instantiate-templates); the whole build 7:16 and 5:05.
# g++ still builds tl: CXX=g++ cmake -S . -B build.
if(NOT DEFINED CMAKE_CXX_COMPILER AND NOT DEFINED ENV{CXX})
  find_program(TL_CLANGXX NAMES clang++ clang++-14)
  if(TL_CLANGXX)
    set(CMAKE_CXX_COMPILER ${TL_CLANGXX})
  endif()
endif()
