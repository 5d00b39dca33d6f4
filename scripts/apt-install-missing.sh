#!/bin/sh
# Installs those of the Debian packages named that are not installed yet (root), for the
# script that calls it: `apt-install-missing.sh "$0" PACKAGE...`. Messages name the caller.
# Used by scripts/install-deps.sh and scripts/deb-tools.sh.
set -eu
caller=$1
shift
who=$(basename "$caller" .sh)
missing=""
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
missing=$(echo $missing)
if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "$who: missing packages: $missing; run as root (or: sudo $caller)" >&2
    exit 1
  fi
  echo "$who: installing $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
