#!/usr/bin/env bash
# What `cmake --install` and `cpack -G DEB` give a user: the tools (with bash completion), the
# library with its headers and a CMake package that another project uses with find_package(tl),
# and add_subdirectory(tl) from another project that never calls find_package(Torch) itself.
#   install_test.sh SOURCE_DIR BUILD_DIR   (BUILD_DIR fully built)
set -euo pipefail
source_dir=$1 build_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

cmake --install "$build_dir" --prefix "$work/prefix" > "$work/install.log"
for file in bin/tl-train bin/tl-eval bin/tl-predict bin/tl-export bin/tl-sweep bin/tl-report bin/tl-info bin/tl-shard \
            include/tl/config/experiment.hpp include/tl/train/trainer.hpp \
            share/bash-completion/completions/tl-train share/bash-completion/completions/tl-eval; do
  [[ -e "$work/prefix/$file" ]] || fail "not installed: $file"
done
config=$(find "$work/prefix" -name tlConfig.cmake)
[[ -n "$config" ]] || fail "no tlConfig.cmake installed"
"$work/prefix/bin/tl-train" --version | grep -q "^tl-train " || fail "the installed tl-train does not run"

# The installed completion offers the installed tool's options and choices.
completion=$(PATH="$work/prefix/bin:$PATH" bash -c '
  source "$1"
  COMP_WORDS=(tl-eval --spl); COMP_CWORD=1; _tl_complete; echo "${COMPREPLY[*]}"
  COMP_WORDS=(tl-eval --split ""); COMP_CWORD=2; _tl_complete; echo "${COMPREPLY[*]}"
  COMP_WORDS=(tl-info ""); COMP_CWORD=1; _tl_complete; echo "${COMPREPLY[*]}"' _ \
  "$work/prefix/share/bash-completion/completions/tl-eval")
[[ "$completion" == $'--split\ntrain val test\nbackbone data run cache' ]] || fail "completion gave: $completion"

# find_package(tl) against the installed tree: a program linked with tl::tl builds and runs.
cmake -S "$source_dir/tests/consumer" -B "$work/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  > "$work/consumer.log" 2>&1 || fail "find_package(tl) failed: $(tail -20 "$work/consumer.log")"
cmake --build "$work/consumer" > "$work/build.log" 2>&1 || fail "the consumer did not build: $(tail -20 "$work/build.log")"
[[ "$("$work/consumer/tl_consumer")" == "tl "*": consumer trains a logistic head" ]] || fail "the consumer did not run"

# add_subdirectory(tl): configures, and LibTorch is linked by its files (not a bare -ltorch, which
# is what an unresolved target name turns into).
cmake -S "$source_dir/tests/consumer" -B "$work/subdirectory" -G Ninja -DTL_INSTALLED=OFF \
  -DTL_SOURCE_DIR="$source_dir" > "$work/subdirectory.log" 2>&1 ||
  fail "add_subdirectory(tl) failed: $(grep -A4 'CMake Error' "$work/subdirectory.log" | head -20)"
if [[ -f "$work/subdirectory/build.ninja" ]]; then
  link=$(ninja -C "$work/subdirectory" -t commands tl_consumer | tail -n 1)
  [[ "$link" == *libtorch_cpu.so* ]] || fail "the consumer's link line lacks libtorch_cpu: $link"
  [[ "$link" != *" -ltorch "* ]] || fail "the consumer's link line has a bare -ltorch"
  [[ ! -d "$work/subdirectory/tl/tests" ]] || fail "tl's tests were configured inside another project"
fi

# The Debian package: the same files under /usr, and the libraries it needs as dependencies.
(cd "$build_dir" && cpack -G DEB -B "$work/deb" > "$work/cpack.log" 2>&1) || fail "cpack failed: $(tail "$work/cpack.log")"
deb=$(ls "$work"/deb/tl_*.deb 2> /dev/null | head -n 1)
if [[ -n "$deb" ]]; then
  depends=$(dpkg-deb -f "$deb" Depends)
  for package in libtorch1.13 libopencv-core406 libopencv-imgcodecs406 libyaml-cpp0.7 libopenblas0-pthread libjpeg62-turbo; do
    [[ "$depends" == *"$package"* ]] || fail "the .deb does not depend on $package: $depends"
  done
  contents=$(dpkg-deb -c "$deb")
  for file in ./usr/bin/tl-train ./usr/share/bash-completion/completions/tl-train ./usr/include/tl/base/error.hpp \
              /cmake/tl/tlConfig.cmake; do
    [[ "$contents" == *"$file"* ]] || fail "the .deb lacks $file"
  done
else
  fail "cpack wrote no .deb"
fi

[[ $failures -eq 0 ]] && echo "install, package and consumers: all checks passed"
exit $((failures > 0))
