#!/usr/bin/env bash
# Installs what libsio's build and tests need on Debian 12, if it is missing:
# Debian packages with apt-get (as root; otherwise prints the exact command),
# and the npm packages of the interop tests from their committed lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential cmake pkg-config clang libclang-rt-14-dev clang-format
      libuv1-dev libhttp-parser-dev libssl-dev libjansson-dev libcmocka-dev
      libhiredis-dev libmsgpack-dev zlib1g-dev libcrypt-dev redis-server valgrind prometheus
      nodejs npm chromium python3 python3-socketio python3-websocket python3-requests)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node from another source (nodesource) provides npm itself.
if command -v node >/dev/null && command -v npm >/dev/null; then
  m2=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || m2+=("$p"); done
  missing=("${m2[@]+"${m2[@]}"}")
fi

if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]]; then
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "deps: missing Debian packages; run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# npm packages for every folder with a committed lockfile.
for lock in tests/*/package-lock.json examples/*/package-lock.json bench/package-lock.json; do
  [[ -f $lock ]] || continue
  dir=$(dirname "$lock")
  stamp="$dir/node_modules/.sio-lock-stamp"
  if [[ ! -f $stamp ]] || ! cmp -s "$lock" "$stamp"; then
    echo "deps: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$lock" "$stamp"
  fi
done
