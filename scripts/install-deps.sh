#!/bin/sh
# Installs what building and testing phonghop needs on Debian 12, and nothing that is
# already there. Idempotent; run as root (CI is root). Used by `make demo` and `make test`.
set -eu

# Build: a C compiler for the bundled SQLite and ring; pkg-config for -sys crates.
BUILD="build-essential pkg-config ca-certificates curl iproute2 iptables"
# Tests: systemd-analyze (unit checks), zbarimg (QR codes decode), Node.js + npm (an
# independent VietQR implementation cross-checks ours), a virtual display with Mesa's
# software OpenGL for the kiosk window (glow renderer).
# coturn: the TURN test starts Debian's turnserver itself, with config/coturn.conf on loopback.
TEST="systemd pulseaudio pulseaudio-utils zbar-tools nodejs npm xvfb xauth libgl1-mesa-dri libegl1 coturn"
# Contributions: Debian's Chromium (the public campaign page seen in a real browser, driven by
# playwright-core) and poppler-utils (pdftotext/pdftoppm read back the printed poster).
CONTRIB="chromium poppler-utils"
# Meetings on Janus: Debian's Janus (the VideoRoom plugin, WebSockets and HTTP transports);
# the tests start their own instance on loopback ports with config/janus/.
JANUS="janus"
# Media: GStreamer headers for gstreamer-rs, its base and good plugins (appsrc, wavparse,
# audioconvert, wavenc), audio outputs (ALSA, PulseAudio), gst-inspect/gst-launch for
# debugging, and espeak-ng, which reads kiosk screens aloud (Vietnamese and English voices).
MEDIA="espeak-ng libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-tools gstreamer1.0-alsa gstreamer1.0-pulseaudio"

# Network faults (`make test-faults`): Debian's python3 runs scripts/nfq-delay.py, which delays
# packets through an NFQUEUE where the kernel has no sch_netem (standard library only).
FAULTS="python3"

wanted="$BUILD $TEST $MEDIA $CONTRIB $JANUS $FAULTS"
# The machine image may ship Node.js outside Debian's packages: a working node and npm will do.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  wanted=$(printf '%s
' $wanted | grep -v -x -e nodejs -e npm | tr '
' ' ')
fi
# coturn's and janus's packages enable their own servers on install (and start them where
# systemd runs); the tests start turnserver and janus themselves on other ports, so what this
# script installs is not left on or starting at boot. A server installed before is left alone.
new_servers=""
for service in coturn janus; do
  dpkg-query -W -f='${Status}' "$service" 2>/dev/null | grep -q "install ok installed" ||
    new_servers="$new_servers $service"
done
# shellcheck disable=SC2086
"$(dirname "$0")/apt-install-missing.sh" "$0" $wanted
for service in $new_servers; do
  if [ -d /run/systemd/system ]; then
    systemctl disable --now "$service" >/dev/null 2>&1 || true
  elif command -v systemctl >/dev/null 2>&1; then
    systemctl disable "$service" >/dev/null 2>&1 || true
  fi
done

command -v cargo >/dev/null 2>&1 || { echo "install-deps: cargo not found; install Rust 1.95 (rustup)" >&2; exit 1; }

# npm packages for tests, in a scratch folder: an independent VietQR decoder, and
# playwright-core, which drives /usr/bin/chromium (it never downloads a browser of its own).
npm_dir="$(cd "$(dirname "$0")/.." && pwd)/.scratch/npm"
if [ ! -d "$npm_dir/node_modules/vietnam-qr-pay" ] || [ ! -d "$npm_dir/node_modules/playwright-core" ]; then
  mkdir -p "$npm_dir"
  (cd "$npm_dir" && [ -f package.json ] || echo '{"name":"phonghop-scratch","private":true}' > "$npm_dir/package.json")
  (cd "$npm_dir" && npm install --silent --no-audit --no-fund vietnam-qr-pay@1.5.1 playwright-core@1.65.1 >/dev/null)
fi
echo "install-deps: ready"
