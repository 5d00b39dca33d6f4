#!/bin/bash
# make test-deb: installs the package on this machine with apt-get, checks it as installed
# (the shipped examples with the installed `phonghop check-config`, the installed units with
# `systemd-analyze verify`, the account and its directories), starts the installed kiosk
# session the way phonghop-room.service does but under cage's headless wlroots backend as the
# package's account, takes a grim screenshot of Home, then removes the package (configuration
# and data stay) and purges it (nothing of it is left but its system account, which Debian
# keeps on purge). Needs root; refuses to touch a machine where phonghop is installed or
# configured already.
set -euo pipefail

deb=$(realpath "${1:?usage: test-deb.sh phonghop_VERSION_ARCH.deb}")
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/target/deb-test"
fail() { echo "test-deb: FAIL: $*" >&2; exit 1; }
say() { echo "test-deb: $*"; }

[ "$(id -u)" -eq 0 ] || { echo "test-deb: run as root: it installs and purges a package" >&2; exit 2; }
if dpkg-query -W -f='${Status}' phonghop 2>/dev/null | grep -q installed; then
  echo "test-deb: phonghop is installed on this machine already; this test would purge it" >&2
  exit 2
fi
for path in /etc/phonghop /var/lib/phonghop; do
  [ ! -e "$path" ] || { echo "test-deb: $path exists; this test would delete it on purge" >&2; exit 2; }
done
"$here/scripts/deb-tools.sh"

export DEBIAN_FRONTEND=noninteractive
rm -rf "$out" && mkdir -p "$out"
scratch=$(mktemp -d)
chmod 0755 "$scratch"
session_pid=""
# cage does not end its client when it is killed (under systemd the unit's cgroup does): stop
# the session and every process of the package's account, so no kiosk outlives the test (a
# leftover one from an earlier run was found still running the next day).
stop_session() {
  if [ -n "$session_pid" ] && kill -0 "$session_pid" 2>/dev/null; then
    kill "$session_pid" 2>/dev/null || true
    wait "$session_pid" 2>/dev/null || true
  fi
  session_pid=""
  if id phonghop >/dev/null 2>&1; then
    pkill -u phonghop 2>/dev/null || true
    for _ in $(seq 1 50); do pgrep -u phonghop >/dev/null || break; sleep 0.1; done
    pkill -KILL -u phonghop 2>/dev/null || true
  fi
}
cleanup() {
  stop_session
  if dpkg-query -W -f='${Status}' phonghop 2>/dev/null | grep -q installed; then
    apt-get purge -y -qq phonghop >/dev/null 2>&1 || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT

# What exists before, to tell afterwards what the package left behind.
snapshot() {
  find /etc /usr /var /opt -xdev \
    \( -path /var/cache -o -path /var/log -o -path /var/tmp -o -path /var/lib/apt \) -prune \
    -o -print 2>/dev/null | sort
}
snapshot > "$scratch/before"

say "installing $(basename "$deb")"
apt-get install -y -qq "$deb" > "$out/apt-install.log" 2>&1 || { cat "$out/apt-install.log" >&2; fail "apt-get install"; }

# --- as installed
[ -x /usr/bin/phonghop ] || fail "no /usr/bin/phonghop"
[ -x /usr/lib/phonghop/kiosk-session ] || fail "no kiosk session"
/usr/bin/phonghop --version | grep -q '^phonghop ' || fail "phonghop --version"
[ -s /usr/share/man/man1/phonghop.1.gz ] || fail "no man page"
zcat /usr/share/man/man1/phonghop-room-setup.1.gz | grep -q 'fingerprint' || fail "room setup man page lacks --fingerprint"
for f in /usr/share/bash-completion/completions/phonghop /usr/share/zsh/vendor-completions/_phonghop \
         /usr/share/fish/vendor_completions.d/phonghop.fish; do
  grep -q check-config "$f" || fail "completion $f does not know check-config"
done
getent passwd phonghop >/dev/null || fail "no phonghop account (sysusers)"
for group in video render input audio; do
  id -nG phonghop | tr ' ' '\n' | grep -qx "$group" || fail "phonghop is not in group $group"
done
[ "$(stat -c '%a %U' /var/lib/phonghop)" = "750 phonghop" ] || fail "/var/lib/phonghop: $(stat -c '%a %U' /var/lib/phonghop)"
[ "$(stat -c '%a %U' /var/lib/phonghop/room)" = "700 phonghop" ] || fail "/var/lib/phonghop/room: $(stat -c '%a %U' /var/lib/phonghop/room)"
[ "$(stat -c '%a %G' /etc/phonghop)" = "775 phonghop" ] || fail "/etc/phonghop: $(stat -c '%a %G' /etc/phonghop)"
[ "$(stat -c '%a %G' /etc/phonghop/tls)" = "770 phonghop" ] || fail "/etc/phonghop/tls: $(stat -c '%a %G' /etc/phonghop/tls)"
say "installed: binary, kiosk session, man pages, completions, account, directories"

examples=(/usr/share/doc/phonghop/examples/*.toml)
[ "${#examples[@]}" -ge 3 ] || fail "expected 3 example configs, found ${examples[*]}"
for example in "${examples[@]}"; do
  /usr/bin/phonghop check-config "$example" || fail "check-config $example"
done

units=(/lib/systemd/system/phonghop-hub.service /lib/systemd/system/phonghop-room.service)
verify=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "${units[@]}" 2>&1) || { echo "$verify" >&2; fail "systemd-analyze verify"; }
if printf '%s\n' "$verify" | grep -q phonghop; then echo "$verify" >&2; fail "systemd-analyze verify"; fi
say "systemd units verified as installed"

# --- the kiosk, started as phonghop-room.service starts it: the installed session script with
# /etc/phonghop/room.toml, as the account, with a private runtime directory. Only the display
# differs: wlroots' headless backend with its software renderer instead of tty1.
sed -e 's|^url = .*|url = "http://127.0.0.1:9"|' -e '/^ca_cert = /d' \
    -e 's|^health_listen = .*|health_listen = "127.0.0.1:0"|' \
    /usr/share/doc/phonghop/examples/room-commune.toml > /etc/phonghop/room.toml
/usr/bin/phonghop check-config /etc/phonghop/room.toml >/dev/null || fail "the test's room.toml"
stop_session # what an earlier, interrupted run may have left running
runtime="$scratch/run"
install -d -m 0700 -o phonghop -g phonghop "$runtime"
setpriv --reuid=phonghop --regid=phonghop --init-groups --reset-env \
  env XDG_RUNTIME_DIR="$runtime" WLR_BACKENDS=headless WLR_RENDERER=pixman \
      WLR_LIBINPUT_NO_DEVICES=1 PHONGHOP_LOG=info \
  /usr/lib/phonghop/kiosk-session /etc/phonghop/room.toml > "$out/kiosk-session.log" 2>&1 &
session_pid=$!

shot="$out/home.png"
colours=0
# A debug build's first frame under pixman, while `make test` keeps both cores busy, has
# once not come within 90 tries of a second: wait up to 180 s by the clock, not by tries.
deadline=$((SECONDS + 180))
while [ "$SECONDS" -lt "$deadline" ]; do
  kill -0 "$session_pid" 2>/dev/null || { cat "$out/kiosk-session.log" >&2; fail "the kiosk session ended by itself"; }
  if [ -S "$runtime/wayland-0" ] && pgrep -u phonghop -x phonghop >/dev/null; then
    if XDG_RUNTIME_DIR="$runtime" WAYLAND_DISPLAY=wayland-0 grim -t ppm "$scratch/shot.ppm" 2>/dev/null; then
      # Distinct colours in the picture (past the 3-line PPM header): a blank or
      # single-colour output has one; Home has text, tiles and anti-aliasing.
      colours=$(tail -n +4 "$scratch/shot.ppm" | od -An -v -tx1 -w3 | sort -u | wc -l)
      if [ "$colours" -gt 50 ]; then
        # Let the first frames settle, then keep the picture people look at.
        sleep 2
        XDG_RUNTIME_DIR="$runtime" WAYLAND_DISPLAY=wayland-0 grim "$shot"
        break
      fi
    fi
  fi
  sleep 1
done
[ "$colours" -gt 50 ] || { cat "$out/kiosk-session.log" >&2; fail "no picture of Home within 180 s ($colours colours)"; }
say "kiosk under headless cage as phonghop: $shot ($colours colours)"
stop_session
if grep -E ' (ERROR|WARN) ' "$out/kiosk-session.log" | grep -v -e 'hub' -e '127.0.0.1:9' -e 'camera' -e 'microphone' -e 'speaker' >&2; then
  fail "the kiosk logged errors or warnings (above; full log $out/kiosk-session.log)"
fi

# --- remove keeps configuration and data; purge removes them
apt-get remove -y -qq phonghop > "$out/apt-remove.log" 2>&1 || { cat "$out/apt-remove.log" >&2; fail "apt-get remove"; }
[ ! -e /usr/bin/phonghop ] || fail "remove left /usr/bin/phonghop"
[ -f /etc/phonghop/room.toml ] || fail "remove deleted /etc/phonghop/room.toml"
[ -d /var/lib/phonghop/room ] || fail "remove deleted the data directory"
apt-get purge -y -qq phonghop > "$out/apt-purge.log" 2>&1 || { cat "$out/apt-purge.log" >&2; fail "apt-get purge"; }
dpkg-query -W -f='${Status}' phonghop 2>/dev/null | grep -q installed && fail "still installed after purge"
snapshot > "$scratch/after"
left=$(comm -13 "$scratch/before" "$scratch/after")
if [ -n "$left" ]; then echo "$left" >&2; fail "left behind after purge (above)"; fi
getent passwd phonghop >/dev/null || fail "the account is gone: Debian keeps system accounts on purge"
say "removed (configuration and data kept), purged (nothing left but the phonghop account)"
echo "test-deb: 1 passed, 0 failed"
