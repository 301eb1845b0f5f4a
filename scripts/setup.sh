#!/usr/bin/env bash
# Installs everything tl needs to build, test and export backbones, from Debian's packages.
# Idempotent and quiet: prints nothing unless something is missing and fails to install.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev libopencv-dev libcli11-dev libspdlog-dev nlohmann-json3-dev
  libyaml-cpp-dev libgtest-dev libssl-dev zlib1g-dev libjpeg62-turbo-dev libopenblas0-pthread libgloo-dev
  python3 python3-torch python3-torchvision python3-opencv python3-numpy python3-pil python3-jsonschema python3-onnx
  time libarchive-dev
  chromium
  clang libclang-rt-14-dev
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo_prefix=()
[ "$(id -u)" -ne 0 ] && sudo_prefix=(sudo)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { "${sudo_prefix[@]}" apt-get update -qq &&
       "${sudo_prefix[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "setup.sh: failed to install: ${missing[*]}" >&2
  exit 1
fi
