#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang and runs each for SECONDS (default 60),
# starting from its seed corpus in tests/fuzz/corpus/<target>. Fails on a crash, a leak, an input
# slower than 10 s or a process above 1 GiB of memory; the input that did it is left in
# build-fuzz/findings/<target>/ (add it to the corpus once fixed, as a regression case).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DTL_FUZZ=ON -DTL_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz --target tl_fuzzers >build-fuzz/build.log 2>&1 || { tail -n 40 build-fuzz/build.log >&2; exit 1; }
# One target per core at a time (TL_FUZZ_JOBS to change): each fuzzer is one process on one core, so
# two at once on two cores give every target its full time in half the wall time.
jobs="${TL_FUZZ_JOBS:-$(nproc)}"
fuzz_one() {
  local target=$1
  local work="build-fuzz/work/$target" findings="build-fuzz/findings/$target"
  rm -rf "$work" "$work-tmp" && mkdir -p "$work" "$work-tmp" "$findings"
  # New inputs (and the cache fuzzer's files) go to $work; the committed seeds are only read.
  if ! TMPDIR="$work-tmp" "build-fuzz/tests/fuzz/${target}_fuzzer" "$work" "tests/fuzz/corpus/$target" -max_total_time="$seconds" \
      -timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=1024 -max_len=65536 -artifact_prefix="$findings/" \
      -print_final_stats=1 >"build-fuzz/$target.log" 2>&1; then
    tail -n 60 "build-fuzz/$target.log" >&2
    echo "fuzz: $target failed; the input is in $findings/" >&2
    return 1
  fi
  echo "fuzz: $target for ${seconds} s: $(grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "build-fuzz/$target.log" | tr '\n' ' ')"
}
export -f fuzz_one
export seconds
printf '%s\n' config set_override image label_list tar checkpoint cache_entry rendezvous | xargs -P "$jobs" -I{} bash -c 'fuzz_one "$1"' _ {}
