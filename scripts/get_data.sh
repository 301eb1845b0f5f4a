#!/usr/bin/env bash
# Downloads, verifies and unpacks the real datasets tl's configs are written for, then prints the
# --set options that point a config at them. Needs a network (or --from with the archives).
#
#   scripts/get_data.sh [--dest DIR] [--from DIR] [--manifest FILE] oxford-pets|cats-vs-dogs|all ...
#
#   --dest DIR       where the datasets are unpacked (default: $XDG_DATA_HOME/tl/datasets,
#                    i.e. ~/.local/share/tl/datasets); archives are kept in DIR/archives
#   --from DIR       take the archives from DIR (a mirror, a USB stick) instead of downloading
#   --manifest FILE  another list of archives: lines of dataset, archive, url, size, digest
#
# Every archive is checked before anything is unpacked: its size and digest where they are known
# (the Oxford-IIIT Pet MD5s are the ones torchvision checks), and always the archive's own
# integrity (gzip -t, unzip -t). The sha256 of each archive is printed so that it can be pinned.
# Unpacking takes only files and folders (no links, devices, FIFOs), gives them plain modes (no
# owners, no setuid), needs the free space the archive's listing says it fills, never prompts, and
# leaves no half-unpacked folder behind whatever stops it.
set -euo pipefail

# dataset  archive  url  size-in-bytes|-  md5:HEX|sha256:HEX|-
read -r -d '' BUILT_IN_MANIFEST <<'LIST' || true
oxford-pets  images.tar.gz  https://www.robots.ox.ac.uk/~vgg/data/pets/data/images.tar.gz  -  md5:5c4f3ee8e5d25df40f4fd59a7f44e54c
oxford-pets  annotations.tar.gz  https://www.robots.ox.ac.uk/~vgg/data/pets/data/annotations.tar.gz  -  md5:95a8c909bbe2e81eed6a22bccdf3f68f
cats-vs-dogs  kagglecatsanddogs_5340.zip  https://download.microsoft.com/download/3/E/1/3E1C3F21-ECDB-4869-8368-6DEBA77B919F/kagglecatsanddogs_5340.zip  -  -
LIST

die() { echo "get_data.sh: $*" >&2; exit 1; }
usage_error() { echo "get_data.sh: $*" >&2; exit 2; }

dest="${XDG_DATA_HOME:-$HOME/.local/share}/tl/datasets"
from=""
manifest="$BUILT_IN_MANIFEST"
datasets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dest) dest="${2:?--dest needs a directory}"; shift 2 ;;
    --from) from="${2:?--from needs a directory}"; shift 2 ;;
    --manifest) manifest="$(cat "${2:?--manifest needs a file}")" || die "$2: cannot read the manifest"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    all) datasets+=(oxford-pets cats-vs-dogs); shift ;;
    oxford-pets|cats-vs-dogs) datasets+=("$1"); shift ;;
    *) usage_error "unknown argument '$1' (datasets: oxford-pets, cats-vs-dogs, all; see --help)" ;;
  esac
done
[[ ${#datasets[@]} -gt 0 ]] || usage_error "name a dataset: oxford-pets, cats-vs-dogs or all (see --help)"
[[ -z "$from" || -d "$from" ]] || die "--from $from: not a directory"

fetch() {  # url target
  if command -v curl > /dev/null; then
    curl --fail --location --retry 3 --continue-at - --output "$2" "$1"
  elif command -v wget > /dev/null; then
    wget --tries=3 --continue --output-document="$2" "$1"
  else
    die "neither curl nor wget is installed (apt-get install curl), or use --from with the archives"
  fi
}

# Checks an archive against its manifest line; on a mismatch says what was expected and what was found.
verify() {  # file archive-name size digest
  local file="$1" name="$2" size="$3" digest="$4" actual
  if [[ "$size" != "-" ]]; then
    actual=$(stat -c %s "$file")
    [[ "$actual" == "$size" ]] || { echo "$name: expected $size bytes, found $actual" >&2; return 1; }
  fi
  if [[ "$digest" != "-" ]]; then
    local algorithm="${digest%%:*}" expected="${digest#*:}"
    case "$algorithm" in
      md5|sha256) actual=$("${algorithm}sum" "$file" | cut -d' ' -f1) ;;
      *) die "manifest: unknown digest '$digest' (expected md5:HEX or sha256:HEX)" ;;
    esac
    [[ "$actual" == "$expected" ]] || { echo "$name: expected $algorithm $expected, found $actual" >&2; return 1; }
  fi
  case "$name" in
    *.tar.gz|*.tgz) gzip -t "$file" 2> /dev/null || { echo "$name: not a whole gzip archive" >&2; return 1; } ;;
    *.zip) unzip -tq "$file" > /dev/null 2>&1 || { echo "$name: not a whole zip archive" >&2; return 1; } ;;
  esac
}

# The archive's entries as "TYPE SIZE" lines (TYPE: - file, d folder, l link, c/b device, p FIFO, ...).
entries() {  # archive
  case "$1" in
    *.tar.gz|*.tgz) tar -tvzf "$1" | awk '{ print substr($1, 1, 1), $3 }' ;;
    *.zip) zipinfo -l "$1" | awk 'NR > 2 && NF >= 9 && $1 ~ /^[-a-z?]/ { print substr($1, 1, 1), $4 }' ;;
  esac
}

# Refuses an archive holding anything but files and folders, or more than the free space in $2.
check_entries() {  # archive into
  local kinds total available
  kinds=$(entries "$1" | awk '$1 != "-" && $1 != "d" { print $1 }' | sort -u | tr '\n' ' ')
  [[ -z "$kinds" ]] || die "$(basename "$1"): holds entries that are not files or folders (types: $kinds); links or devices are not unpacked"
  total=$(entries "$1" | awk '{ sum += $2 } END { printf "%.0f", sum }')
  available=$(df --output=avail -B1 "$2" | tail -1 | tr -d ' ')
  (( total <= available )) || die "$(basename "$1"): unpacks to $total bytes, more than the $available free in $2"
}

unpack() {  # archive into
  check_entries "$1" "$2"
  case "$1" in
    *.tar.gz|*.tgz) tar -xzf "$1" -C "$2" --no-same-owner --no-same-permissions < /dev/null ;;
    *.zip) unzip -qo "$1" -d "$2" < /dev/null ;;
    *) die "$1: cannot unpack (expected .tar.gz or .zip)" ;;
  esac
  # Plain modes: no setuid, setgid, sticky or execute bits on files, nothing world-writable.
  find "$2" -type d -exec chmod 755 {} + && find "$2" -type f -exec chmod 644 {} +
}

# What tl reads from the unpacked folder, checked before it takes the dataset's place.
layout_check() {  # dataset folder
  case "$1" in
    oxford-pets)
      [[ -d "$2/images" && -f "$2/annotations/trainval.txt" && -f "$2/annotations/test.txt" ]] ||
        die "$1: expected images/ and annotations/{trainval,test}.txt in the archives" ;;
    cats-vs-dogs)
      [[ -d "$2/PetImages/Cat" && -d "$2/PetImages/Dog" ]] || die "$1: expected PetImages/Cat and PetImages/Dog in the archive" ;;
  esac
}

declare -A LAYOUT=([oxford-pets]=oxford_pets [cats-vs-dogs]=petimages)

mkdir -p "$dest/archives"
for dataset in "${datasets[@]}"; do
  folder="$dest/$dataset"
  lines=$(awk -v d="$dataset" '$1 == d' <<< "$manifest")
  [[ -n "$lines" ]] || die "manifest: no archive listed for $dataset"
  while read -r _ archive url size digest; do
    [[ "$archive" =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]] ||
      die "manifest: archive name '$archive' must be a plain file name (letters, digits, . _ + -), not a path"
    kept="$dest/archives/$archive"
    if [[ -f "$kept" ]] && verify "$kept" "$archive" "$size" "$digest" 2> /dev/null; then
      echo "$archive: already here and verified"
      continue
    fi
    if [[ -n "$from" ]]; then
      [[ -f "$from/$archive" ]] || die "$from/$archive: not found (--from)"
      cp "$from/$archive" "$kept.part"
    else
      echo "downloading $url"
      fetch "$url" "$kept.part" || die "$url: download failed"
    fi
    if ! verify "$kept.part" "$archive" "$size" "$digest"; then
      rm -f "$kept.part"
      die "$archive: verification failed; nothing was unpacked"
    fi
    mv "$kept.part" "$kept"
    echo "$archive: verified (sha256 $(sha256sum "$kept" | cut -d' ' -f1))"
  done <<< "$lines"

  # Unpacked beside the final folder and renamed into place, so a half-unpacked dataset is never used.
  staging="$dest/.$dataset.unpacking"
  rm -rf "$staging"
  mkdir -p "$staging"
  trap 'rm -rf "$staging"' EXIT  # whatever stops the unpacking, no half-unpacked folder stays
  while read -r _ archive _; do unpack "$dest/archives/$archive" "$staging"; done <<< "$lines"
  layout_check "$dataset" "$staging"
  rm -rf "$folder"
  mv "$staging" "$folder"
  trap - EXIT
  echo "$dataset ready: --set data.layout=${LAYOUT[$dataset]} --set data.root=$folder"
done
