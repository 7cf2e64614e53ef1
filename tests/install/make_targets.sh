#!/usr/bin/env bash
# The Makefile's server targets as a user runs them: `make conformance-server
# PORT=N` and `make bench-server PORT=N` start in the foreground, answer on
# that port with the options the issue fixes, and stop on Ctrl-C (SIGINT).
# Usage: make_targets.sh BIN_DIR SOURCE_DIR
set -euo pipefail
bin=$1 src=$2
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# $1 target, $2 port, $3 python check run against http://127.0.0.1:$2
check_target() {
  local target=$1 port=$2 check=$3 log
  log=$(mktemp)
  setsid make -s -C "$src" "$target" BUILD="$bin" PORT="$port" >"$log" 2>&1 &
  local pid=$!
  local ok=0
  for _ in $(seq 1 100); do
    if python3 - "$port" <<<"$check" 2>/dev/null; then ok=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if ((ok == 0)); then
    echo "$target: no expected answer on port $port"; cat "$log"
    python3 - "$port" <<<"$check" || true
    kill -KILL -- -"$pid" 2>/dev/null || true; exit 1
  fi
  kill -INT -- -"$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$target: still running 5 s after SIGINT"; kill -KILL -- -"$pid"; exit 1
  fi
  echo "$target PORT=$port: ok"
  rm -f "$log"
}

conformance_check='
import json, sys, urllib.request
port = sys.argv[1]
for path in ("/engine.io/", "/socket.io/"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}?EIO=4&transport=polling",
                                 headers={"Origin": "http://elsewhere.example"})
    with urllib.request.urlopen(req, timeout=2) as r:
        assert r.headers["Access-Control-Allow-Origin"] == "*", r.headers
        body = r.read().decode()
    assert body[0] == "0", body
    o = json.loads(body[1:])
    assert (o["pingInterval"], o["pingTimeout"], o["maxPayload"]) == (300, 200, 1000000), o
    assert o["upgrades"] == ["websocket"], o
'
bench_check='
import json, sys, urllib.request
port = sys.argv[1]
with urllib.request.urlopen(f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling", timeout=2) as r:
    body = r.read().decode()
assert body[0] == "0" and "sid" in json.loads(body[1:]), body
'
check_target conformance-server "$(free_port)" "$conformance_check"
check_target bench-server "$(free_port)" "$bench_check"
