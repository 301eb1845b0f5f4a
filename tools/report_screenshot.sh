#!/usr/bin/env bash
# Screenshot of a report.html as a browser renders it (headless Chromium), for docs/:
#   tools/report_screenshot.sh runs/cats_vs_dogs/report.html docs/report_cats_vs_dogs.png [HEIGHT]
# HEIGHT (default 1600) crops the page: keep photos whose licence forbids copies (Cats vs Dogs) out.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 REPORT.html OUT.png [HEIGHT]" >&2; exit 2; }
page=$(realpath "$1")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --virtual-time-budget=5000 --window-size="1180,${3:-1600}" --screenshot="$(realpath -m "$2")" "file://$page" 2>/dev/null
