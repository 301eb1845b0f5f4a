#!/usr/bin/env bash
# clang-tidy with .clang-tidy's checks over the library's and the executables' units that reach no
# LibTorch header (64 of 94; cmake/PrintTensorFreeUnits.cmake lists them), two at a time, within a
# budget of about 3 minutes on 2 cores. The LibTorch units are left out of the budget: clang-tidy
# spends ~60 s on each (src/train/trainer.cpp: 70 s), 30 minutes in all; lint one by hand with
# TIDY_FILES. Its own compile database (build-tidy, configured without precompiled headers, which
# clang cannot read from GCC, and without unity units, so that each source has its own command), so
# it needs no build.
# Fails on any finding: fix it, or say in .clang-tidy why its check is off.
#   bash scripts/tidy.sh
#   TIDY_FILES="src/train/trainer.cpp" bash scripts/tidy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build-tidy
cmake -S . -B build-tidy -G Ninja -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON -DCMAKE_UNITY_BUILD=OFF -DTL_BUILD_TESTS=OFF >build-tidy/configure.log 2>&1 ||
  { cat build-tidy/configure.log >&2; exit 1; }
files=${TIDY_FILES:-$(cmake -DSOURCE_DIR="$PWD" -P cmake/PrintTensorFreeUnits.cmake 2>&1)}
findings=build-tidy/findings.txt
# --quiet: only findings; a unit's output is kept whole so that two at a time do not interleave.
printf '%s\n' $files | xargs -P 2 -I{} sh -c 'clang-tidy --quiet -p build-tidy "$1" 2>/dev/null; true' _ {} >"$findings"
count=$(grep -c 'warning:\|error:' "$findings" || true)
cat "$findings"
echo "tidy: $(printf '%s\n' $files | wc -l) units, $count finding(s)"
if [ "$count" -gt 0 ]; then
  echo "tidy: fix them, or say in .clang-tidy why a check is off" >&2
  exit 1
fi
