#!/usr/bin/env bash
# Builds and runs the HTTP request parsing benchmark (bench_http_parse.c):
# bench/http_parse/run.sh [requests-per-kind]   (default 200000)
# Built -O2 against the library sources it measures; the binary goes to
# ${BUILD:-build}/bench_http_parse.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${BUILD:-$ROOT/build}
mkdir -p "$OUT"
S=$ROOT/src
${CC:-cc} -std=c11 -O2 -D_GNU_SOURCE -I"$S" -I"$ROOT/include" \
  "$ROOT/bench/http_parse/bench_http_parse.c" \
  "$S/http/http_parse.c" "$S/http/http_strict.c" "$S/http/http_req.c" \
  "$S/http/http_util.c" "$S/core/alloc.c" "$S/core/rbuf.c" "$S/core/error.c" \
  "$S/core/log.c" -lhttp_parser -o "$OUT/bench_http_parse"
"$OUT/bench_http_parse" "${1:-200000}"
