#!/bin/sh
# Runs `systemd-analyze verify` on the units in systemd/. verify insists that ExecStart
# programs exist, so the units are checked in a scratch copy whose program paths point at
# this checkout's build (nothing else is changed).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$here/target/release/phonghop}" 2>/dev/null || echo "${1:-$here/target/release/phonghop}")
[ -x "$bin" ] || { echo "verify-units: build first; no executable at $bin" >&2; exit 2; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for unit in "$here"/systemd/*.service; do
  sed -e "s|/usr/bin/phonghop|$bin|g" \
      -e "s|/usr/lib/phonghop/kiosk-session|$here/kiosk/kiosk-session|g" \
      "$unit" > "$scratch/$(basename "$unit")"
done
# SYSTEMD_LOG_LEVEL keeps unrelated warnings about the host's own units out of the output.
out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "$scratch"/*.service 2>&1) || {
  echo "$out" >&2; exit 1; }
# verify exits 0 on some problems too: any line naming our units is a failure.
if printf '%s\n' "$out" | grep -q 'phonghop'; then echo "$out" >&2; exit 1; fi
echo "systemd units verified: $(cd "$here/systemd" && ls *.service | tr '\n' ' ')"
