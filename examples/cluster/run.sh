#!/usr/bin/env bash
# Two demo servers on two ports sharing one Redis: open both pages, and a
# broadcast, a room event or a server tick on one reaches the clients of the
# other. Starts Debian's redis-server on a free port unless REDIS_URL is set.
#   examples/cluster/run.sh [PORT_A] [PORT_B]     (default 5000 5001)
# Ctrl-C stops everything.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
A=${1:-5000}
B=${2:-5001}
DEMO=${DEMO:-$ROOT/build/demo}
[[ -x $DEMO ]] || { echo "build first: make" >&2; exit 1; }
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
if [[ -z ${REDIS_URL:-} ]]; then
  command -v redis-server >/dev/null || { echo "install redis-server (apt-get install redis-server) or set REDIS_URL" >&2; exit 1; }
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
  pids+=($!)
  REDIS_URL=redis://127.0.0.1:$PORT
  for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
"$DEMO" --port "$A" --redis "$REDIS_URL" & pids+=($!)
"$DEMO" --port "$B" --redis "$REDIS_URL" & pids+=($!)
echo "cluster: http://127.0.0.1:$A/ and http://127.0.0.1:$B/ share $REDIS_URL (Ctrl-C stops)"
wait
