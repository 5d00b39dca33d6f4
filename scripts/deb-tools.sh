#!/bin/sh
# What building and testing the Debian package needs beyond scripts/install-deps.sh:
# lintian (checks the package), cage, Xwayland and grim (the installed kiosk under headless
# cage, and its screenshot). Idempotent; installs only what is missing (root).
set -eu
"$(dirname "$0")/apt-install-missing.sh" "$0" lintian cage xwayland grim
