#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan), outside the CMake
# build (which uses gcc): fuzz/build.sh [out-dir] [target...]
# Default out-dir: build-fuzz/ in the repo; default targets: all of TARGETS.
# Objects are rebuilt only when their source or a header they include changed.
# Needs the Debian packages clang and libclang-rt-14-dev (libFuzzer runtime).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/build-fuzz}
shift || true
CC=${CC:-clang}

TARGETS=(json sio_packet ws_frame eio_packet base64 utf8 http_util http_request
         redis_msgpack eio_v3 sio_msgpack ws_deflate)
# Library sources every target links (all pure: no libuv).
COMMON=(core/alloc.c core/rbuf.c core/error.c core/log.c core/utf8.c core/base64.c
        core/json.c core/json_jansson.c)
# Extra sources per target.
declare -A EXTRA=(
  [json]=""
  [sio_packet]="sio/sio_packet.c sio/sio_binary.c"
  [ws_frame]="ws/ws_frame.c"
  [ws_deflate]="ws/ws_frame.c ws/ws_deflate.c"
  [eio_packet]="eio/eio_packet.c"
  [eio_v3]="eio/eio_v3.c"
  [base64]=""
  [utf8]=""
  [http_util]="http/http_util.c ws/ws_handshake.c core/rand.c"
  [http_request]="http/http_parse.c http/http_strict.c http/http_req.c http/http_util.c"
  [redis_msgpack]="core/msgpack_unpack.c core/msgpack_to_json.c core/msgpack_from_json.c
                   redis/redis_msgpack.c"
  [sio_msgpack]="core/msgpack_unpack.c core/msgpack_to_json.c core/msgpack_from_json.c
                 sio/sio_packet.c sio/sio_binary.c sio/sio_args.c sio/sio_argv.c
                 sio/sio_parser_msgpack.c"
)
# Accept-Encoding negotiation, checked by the http_util target (zlib below).
EXTRA[http_util]+=" http/http_compress.c"
# Extra libraries per target (system ones, so not instrumented).
declare -A EXTRA_LIBS=(
  [http_request]="-lhttp_parser"
  [http_util]="-lz"
  [ws_deflate]="-lz"
  [redis_msgpack]="-lmsgpackc"
  [sio_msgpack]="-lmsgpackc"
)

((${#@})) && TARGETS=("$@")

if ! command -v "$CC" >/dev/null; then
  echo "fuzz/build.sh: $CC not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi

FLAGS=(-std=c11 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE -Wall -Wextra -Werror
       -Wshadow -Wstrict-prototypes -Wno-unused-parameter
       -I"$ROOT/src" -I"$ROOT/include"
       -fsanitize=address,undefined -fno-sanitize-recover=undefined)
LIBS=($(pkg-config --libs jansson libcrypto) -lm)

mkdir -p "$OUT/obj"

# 1 if $1 (an object with a .d file next to it) is missing or older than a
# file it was built from.
stale() {
  local obj=$1 dep=${1%.o}.d f
  [[ -f $obj && -f $dep ]] || return 0
  for f in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$dep"); do
    [[ -e $f && $f -nt $obj ]] && return 0
  done
  return 1
}

compile() { # src obj extra-flags...
  local src=$1 obj=$2
  shift 2
  if stale "$obj"; then
    "$CC" "${FLAGS[@]}" "$@" -MMD -MF "${obj%.o}.d" -c "$src" -o "$obj"
  fi
}

built=()
for t in "${TARGETS[@]}"; do
  if [[ ! -v "EXTRA[$t]" ]]; then
    echo "fuzz/build.sh: unknown target $t" >&2
    exit 2
  fi
  srcs=("${COMMON[@]}")
  for s in ${EXTRA[$t]}; do srcs+=("$s"); done
  missing=0
  for s in "${srcs[@]}"; do [[ -f $ROOT/src/$s ]] || missing=1; done
  if ((missing)); then
    echo "fuzz/build.sh: skipping $t (sources missing)" >&2
    continue
  fi
  objs=()
  for s in "${srcs[@]}"; do
    o="$OUT/obj/$(echo "$s" | tr / _).o"
    compile "$ROOT/src/$s" "$o" -fsanitize=fuzzer-no-link
    objs+=("$o")
  done
  to="$OUT/obj/fuzz_$t.o"
  compile "$ROOT/fuzz/fuzz_$t.c" "$to" -fsanitize=fuzzer-no-link
  exe="$OUT/fuzz_$t"
  relink=0
  [[ -f $exe ]] || relink=1
  for o in "$to" "${objs[@]}"; do [[ $o -nt $exe ]] && relink=1; done
  if ((relink)); then
    # shellcheck disable=SC2086 # a list of flags
    "$CC" "${FLAGS[@]}" -fsanitize=fuzzer "$to" "${objs[@]}" "${LIBS[@]}" \
      ${EXTRA_LIBS[$t]:-} -o "$exe"
  fi
  built+=("$t")
done
echo "${built[*]}" >"$OUT/targets.txt"
