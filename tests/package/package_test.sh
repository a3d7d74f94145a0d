#!/usr/bin/env bash
# The Debian packages as an operator uses them: built with scripts/package,
# installed into this machine with apt-get, checked, run, removed.
#   - both install; `tollstream-tracker --version` and `tollstream-peer
#     --version` name the build; every file is where the packages say;
#   - `systemd-analyze verify` passes on every unit (the templates as an
#     instance);
#   - the tracker starts from the installed program with the installed
#     config (/etc/tollstream/tracker.conf; the data directory and a free
#     port given over it), logs JSON as that config asks, and is ready
#     (/readyz) and stops cleanly;
#   - both remove, leaving no program behind.
# Needs root (it installs into /usr): without it, it says so and skips.
#   package_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$1
build_dir=$2
if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: installing Debian packages needs root (CI runs as root)"
  exit 77
fi
work=$(mktemp -d /tmp/tollstream-package-XXXXXX)
tracker_pid=""
cleanup() {
  [ -z "$tracker_pid" ] || kill -9 "$tracker_pid" 2>/dev/null || true
  DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq --purge tollstream-tracker tollstream-peer \
    >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "package test: $*" >&2; exit 1; }

"$source_dir/scripts/package" "$build_dir"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "$build_dir"/packages/tollstream-tracker_*.deb \
  "$build_dir"/packages/tollstream-peer_*.deb >/dev/null
echo "installed: $(dpkg-query -W tollstream-tracker tollstream-peer | tr '\t\n' '  ')"
dpkg-query -W -f='${Depends}\n' tollstream-tracker | grep -q libleveldb || fail "no dependency on LevelDB declared"
for p in tollstream-tracker tollstream-peer; do
  dpkg-query -W -f='${Depends}\n' "$p" | grep -q libjemalloc || fail "$p: no dependency on jemalloc declared"
done

tollstream-tracker --version | grep -E '^tracker [0-9]+\.[0-9]+\.[0-9]+ \(commit ' || fail "tracker --version"
tollstream-peer --version | grep -E '^peer [0-9]+\.[0-9]+\.[0-9]+ \(commit ' || fail "peer --version"
for f in /usr/bin/tollstream-tracker /etc/tollstream/tracker.conf \
         /usr/lib/systemd/system/tollstream-tracker.service \
         /usr/share/doc/tollstream-tracker/tollstream-tracker.txt \
         /usr/share/doc/tollstream-tracker/nginx/tollstream-tracker.conf; do
  dpkg -S "$f" | grep -q '^tollstream-tracker:' || fail "$f is not tollstream-tracker's"
done
for f in /usr/bin/tollstream-peer /usr/lib/systemd/system/tollstream-broadcast@.service \
         /usr/lib/systemd/system/tollstream-watch@.service \
         /usr/share/doc/tollstream-peer/tollstream-peer.txt \
         /usr/share/doc/tollstream-peer/nginx/tollstream-broadcast.conf; do
  dpkg -S "$f" | grep -q '^tollstream-peer:' || fail "$f is not tollstream-peer's"
done
grep -q -- '---- tollstream-tracker run ----' /usr/share/doc/tollstream-tracker/tollstream-tracker.txt \
  || fail "the tracker's reference lacks run"

# Every unit verifies; a template as an instance of it.
systemd-analyze verify /usr/lib/systemd/system/tollstream-tracker.service
for template in broadcast watch; do
  ln -s "/usr/lib/systemd/system/tollstream-$template@.service" "$work/tollstream-$template@demo.service"
  systemd-analyze verify "$work/tollstream-$template@demo.service"
done
echo "systemd-analyze verify: every unit passes"

# The tracker from the installed files, with the installed config: its data
# directory and port given over it (the environment, then the command line).
export TOLLSTREAM_DATA_DIR="$work/data"
tollstream-tracker init --data-dir "$TOLLSTREAM_DATA_DIR" --if-missing >/dev/null
tollstream-tracker init --data-dir "$TOLLSTREAM_DATA_DIR" --if-missing | grep -q 'kept as it is' \
  || fail "init --if-missing on a tracker"
tollstream-tracker run --config /etc/tollstream/tracker.conf --listen 127.0.0.1:0 \
  >"$work/out" 2>"$work/err" &
tracker_pid=$!
url=""
for _ in $(seq 1 100); do
  url=$(sed -n 's/^listening on //p' "$work/out")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || fail "the installed tracker did not start: $(cat "$work/err")"
curl -fsS "$url/readyz" | grep -q '"ready":true' || fail "not ready: $(curl -sS "$url/readyz")"
kill -TERM "$tracker_pid"
wait "$tracker_pid" || fail "the tracker did not stop cleanly"
tracker_pid=""
head -1 "$work/err" | python3 -c 'import json, sys; r = json.loads(sys.stdin.readline()); assert r["level"] == "info"' \
  || fail "the installed config's log-format = json was not followed: $(head -1 "$work/err")"
echo "the installed tracker ran from /etc/tollstream/tracker.conf at $url"

apt-get remove -y -qq --purge tollstream-tracker tollstream-peer >/dev/null
[ ! -e /usr/bin/tollstream-tracker ] && [ ! -e /usr/bin/tollstream-peer ] || fail "a program remains"
[ ! -e /etc/tollstream/tracker.conf ] || fail "the config remains after --purge"
echo "package test: ok"
