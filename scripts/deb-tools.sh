#!/bin/sh
# What building and testing the Debian package needs beyond scripts/install-deps.sh:
# lintian (checks the package), cage, Xwayland and grim (the installed kiosk under headless
# cage, and its screenshot). Idempotent; installs only what is missing (root).
set -eu
missing=""
for pkg in lintian cage xwayland grim; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
missing=$(echo $missing)
if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "deb-tools: missing packages: $missing; run as root (or: sudo $0)" >&2
    exit 1
  fi
  echo "deb-tools: installing $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
