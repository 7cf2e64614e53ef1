#!/usr/bin/env bash
# Builds every fuzz target into build-fuzz/ and runs each for N seconds
# (default 10), one at a time: fuzz/run.sh [seconds-per-target] [target...]
# The seed corpus is copied to build-fuzz/corpus/<target>/ (which keeps what
# earlier runs found), so the repo is not modified. Crash inputs land in
# build-fuzz/artifacts/<target>/. Prints one line per target; exits non-zero
# if any target crashed (or failed to run). Env: FUZZ_BUILD (out dir).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECS=${1:-10}
shift || true
OUT=${FUZZ_BUILD:-$ROOT/build-fuzz}

"$ROOT/fuzz/build.sh" "$OUT" "$@" || exit 2
read -r -a TARGETS <"$OUT/targets.txt"

# Largest input per target: enough for a few frames or packets with their
# JSON, small enough to keep executions fast.
declare -A MAXLEN=([json]=4096 [sio_packet]=4096 [ws_frame]=8192 [eio_packet]=4096
                   [base64]=2048 [utf8]=2048 [http_util]=2048 [http_request]=4096
                   [redis_msgpack]=4096 [eio_v3]=4096 [sio_msgpack]=4096
                   [ws_deflate]=8192)

failed=0
for t in "${TARGETS[@]}"; do
  corpus="$OUT/corpus/$t"
  art="$OUT/artifacts/$t"
  mkdir -p "$corpus" "$art"
  cp -n "$ROOT/fuzz/corpus/$t/"* "$corpus/" 2>/dev/null || true
  args=(-max_total_time="$SECS" -max_len="${MAXLEN[$t]:-4096}" -timeout=10
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/")
  [[ -f $ROOT/fuzz/dict/$t.dict ]] && args+=(-dict="$ROOT/fuzz/dict/$t.dict")
  log="$OUT/fuzz_$t.log"
  # A crash inside the target exits non-zero and writes an artifact.
  "$OUT/fuzz_$t" "${args[@]}" "$corpus" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  if ((rc != 0)); then
    failed=1
    crash=$(ls -t "$art" 2>/dev/null | head -1)
    printf '%-12s FAILED (exit %d) after %s execs, cov %s; input: %s; log: %s\n' "$t" \
      "$rc" "${execs:-?}" "${cov:-?}" "${crash:+$art/$crash}" "$log"
    grep -m3 -E 'ERROR|fuzz check failed|runtime error' "$log" | sed 's/^/    /'
  else
    printf '%-12s ok: %s execs in %ss, cov %s, corpus %s files\n' "$t" "${execs:-?}" \
      "$SECS" "${cov:-?}" "$(ls "$corpus" | wc -l)"
  fi
done
exit $failed
