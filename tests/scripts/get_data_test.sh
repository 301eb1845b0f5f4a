#!/usr/bin/env bash
# scripts/get_data.sh without a network: archives made here, laid out like the real ones, go
# through --from with a manifest of their own sizes and digests; bad ones must be refused before
# anything is unpacked.
set -euo pipefail
script="$(cd "$(dirname "$0")/../.." && pwd)/scripts/get_data.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_in() { grep -qF -- "$1" "$2" || fail "expected '$1' in $2: $(cat "$2")"; }

mkdir -p "$work/oxford/images" "$work/oxford/annotations" "$work/cats/PetImages/Cat" "$work/cats/PetImages/Dog" "$work/src"
printf 'jpeg' > "$work/oxford/images/Abyssinian_1.jpg"
printf 'Abyssinian_1 1 1 1\n' > "$work/oxford/annotations/trainval.txt"
printf 'Abyssinian_1 1 1 1\n' > "$work/oxford/annotations/test.txt"
printf 'jpeg' > "$work/cats/PetImages/Cat/0.jpg"
printf 'jpeg' > "$work/cats/PetImages/Dog/0.jpg"
tar -czf "$work/src/images.tar.gz" -C "$work/oxford" images
tar -czf "$work/src/annotations.tar.gz" -C "$work/oxford" annotations
(cd "$work/cats" && /usr/bin/python3 -m zipfile -c "$work/src/kagglecatsanddogs_5340.zip" PetImages)

line() {  # dataset archive [size] [digest]
  echo "$1 $2 https://example.invalid/$2 ${3:-$(stat -c %s "$work/src/$2")} ${4:-sha256:$(sha256sum "$work/src/$2" | cut -d' ' -f1)}"
}
{ line oxford-pets images.tar.gz; line oxford-pets annotations.tar.gz "-" "md5:$(md5sum "$work/src/annotations.tar.gz" | cut -d' ' -f1)"
  line cats-vs-dogs kagglecatsanddogs_5340.zip - -; } > "$work/good.manifest"

# Verified archives are unpacked and the --set options printed.
"$script" --from "$work/src" --dest "$work/out" --manifest "$work/good.manifest" all > "$work/log" 2>&1 ||
  fail "good archives: exit $? $(cat "$work/log")"
expect_in "oxford-pets ready: --set data.layout=oxford_pets --set data.root=$work/out/oxford-pets" "$work/log"
expect_in "cats-vs-dogs ready: --set data.layout=petimages --set data.root=$work/out/cats-vs-dogs" "$work/log"
expect_in "images.tar.gz: verified (sha256 " "$work/log"
[[ -f "$work/out/oxford-pets/annotations/test.txt" && -f "$work/out/cats-vs-dogs/PetImages/Dog/0.jpg" ]] ||
  fail "the datasets were not unpacked"

# A second run finds the kept archives and does not copy them again.
mkdir "$work/empty"
"$script" --from "$work/empty" --dest "$work/out" --manifest "$work/good.manifest" oxford-pets > "$work/log" 2>&1 ||
  fail "rerun: exit $? $(cat "$work/log")"
expect_in "images.tar.gz: already here and verified" "$work/log"

# Wrong digest, wrong size, a cut archive: refused, named, nothing unpacked.
check_refused() {  # name manifest-line expected-message
  echo "$2" > "$work/bad.manifest"
  set +e
  "$script" --from "$work/src" --dest "$work/$1" --manifest "$work/bad.manifest" oxford-pets > "$work/log" 2>&1
  local code=$?
  set -e
  [[ $code -eq 1 ]] || fail "$1: exit $code, expected 1"
  expect_in "$3" "$work/log"
  expect_in "verification failed; nothing was unpacked" "$work/log"
  [[ ! -e "$work/$1/oxford-pets" ]] || fail "$1: unpacked anyway"
  [[ ! -e "$work/$1/archives/images.tar.gz" && ! -e "$work/$1/archives/images.tar.gz.part" ]] ||
    fail "$1: a refused archive was kept"
}
check_refused digest "$(line oxford-pets images.tar.gz - md5:00000000000000000000000000000000)" "expected md5 00000000000000000000000000000000, found "
check_refused size "$(line oxford-pets images.tar.gz 12)" "expected 12 bytes, found "
head -c 100 "$work/src/images.tar.gz" > "$work/cut.tar.gz" && mv "$work/cut.tar.gz" "$work/src/images.tar.gz"
check_refused cut "$(line oxford-pets images.tar.gz - -)" "not a whole gzip archive"

# Hostile archives: a link out of the destination or a device is refused and nothing stays behind;
# a setuid, world-writable file is unpacked with plain modes; a manifest cannot name a path.
make_pets() {  # folder: a fresh Oxford-like tree in it, packed into $work/hostile
  rm -rf "$work/$1" "$work/hostile" && mkdir -p "$work/$1/images" "$work/$1/annotations" "$work/hostile"
  printf 'jpeg' > "$work/$1/images/Abyssinian_1.jpg"
  printf 'Abyssinian_1 1 1 1\n' | tee "$work/$1/annotations/trainval.txt" > "$work/$1/annotations/test.txt"
  tar -czf "$work/hostile/annotations.tar.gz" -C "$work/$1" annotations
}
hostile_run() {  # name: unpacks $work/hostile into $work/$name; its exit code
  { line oxford-pets images.tar.gz "-" "-" | sed "s|\$work/src|\$work/hostile|"
    line oxford-pets annotations.tar.gz "-" "-"; } > "$work/hostile.manifest"
  set +e
  "$script" --from "$work/hostile" --dest "$work/$1" --manifest "$work/hostile.manifest" oxford-pets > "$work/log" 2>&1
  local code=$?
  set -e
  return $code
}
make_pets linked
ln -s /etc "$work/linked/images/outside"
tar -czf "$work/hostile/images.tar.gz" -C "$work/linked" images
hostile_run link && fail "a link in the archive: unpacked"
expect_in "holds entries that are not files or folders (types: l )" "$work/log"
[[ ! -e "$work/link/oxford-pets" && ! -e "$work/link/.oxford-pets.unpacking" ]] || fail "a refused archive left a folder"

make_pets modes
chmod 4777 "$work/modes/images/Abyssinian_1.jpg"
tar -czf "$work/hostile/images.tar.gz" -C "$work/modes" images
hostile_run modes || fail "setuid file: exit $? $(cat "$work/log")"
[[ "$(stat -c %a "$work/modes/oxford-pets/images/Abyssinian_1.jpg")" == 644 ]] ||
  fail "setuid, world-writable file unpacked as $(stat -c %a "$work/modes/oxford-pets/images/Abyssinian_1.jpg")"

echo "oxford-pets ../escape.tar.gz https://example.invalid/x - -" > "$work/bad.manifest"
set +e
"$script" --from "$work/src" --dest "$work/escape" --manifest "$work/bad.manifest" oxford-pets > "$work/log" 2>&1
[[ $? -eq 1 ]] || fail "a manifest naming a path: expected exit 1"
set -e
expect_in "archive name '../escape.tar.gz' must be a plain file name" "$work/log"

# Usage errors exit 2.
set +e
"$script" > /dev/null 2>&1; [[ $? -eq 2 ]] || fail "no dataset: expected exit 2"
"$script" imagenet > /dev/null 2>&1; [[ $? -eq 2 ]] || fail "unknown dataset: expected exit 2"
set -e

[[ $failures -eq 0 ]] && echo "get_data.sh: all checks passed"
exit $((failures > 0))
