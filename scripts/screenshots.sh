#!/bin/sh
# Renders the README pictures of the kiosk into docs/screenshots/ (needs xvfb-run).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin="${1:-$here/target/release/phonghop}"
out="$here/docs/screenshots"
mkdir -p "$out"
runtime=$(mktemp -d)
trap 'rm -rf "$runtime"' EXIT
shot() { # screen lang [file name, default: screen] [size, default: 1280x800]
  name=${3:-$1}
  size=${4:-1280x800}
  XDG_RUNTIME_DIR="$runtime" xvfb-run -a -s "-screen 0 2048x2048x24" \
    "$bin" room --screenshot "$out/$name-$2.png" --screen "$1" --lang "$2" --size "$size" >/dev/null 2>&1
  echo "docs/screenshots/$name-$2.png"
}
for lang in vi en hmn; do shot home "$lang"; done
shot category vi
shot feedback vi
# The typing screen at the other supported panels: small landscape and portrait.
shot feedback vi feedback-1024x600 1024x600
shot feedback vi feedback-800x1280 800x1280
shot speak en
shot rating vi
shot staff en
shot contribute-qr vi contribute
shot meeting vi
