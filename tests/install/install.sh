#!/usr/bin/env bash
# `make install` as a user gets it: installs the build into a scratch prefix,
# checks headers, shared and static libraries and pkg-config files are there,
# then builds programs against the installed copy only (pkg-config, shared and
# static) and runs them: a Socket.IO server that listens and closes, the
# README's minimal example, a Redis adapter user and an Admin UI user.
# Usage: install.sh BIN_DIR SOURCE_DIR
set -euo pipefail
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cmake --install "$bin" --prefix "$prefix" >/dev/null
libdir=$(find "$prefix" -name libsio.pc -printf '%h\n' | head -1)
libdir=${libdir%/pkgconfig}
for f in include/sio/common.h include/sio/args.h include/sio/parser.h include/sio/http.h \
         include/sio/eio.h include/sio/server.h include/sio/client.h include/sio/adapter.h include/sio/redis.h \
         include/sio/test_client.h include/sio/admin.h; do
  [[ -f $prefix/$f ]] || { echo "missing $f"; exit 1; }
done
for f in libsio.so libsio.a libsio-redis.so libsio-redis.a pkgconfig/libsio.pc pkgconfig/libsio-redis.pc \
         libsio-admin.so libsio-admin.a pkgconfig/libsio-admin.pc; do
  [[ -e $libdir/$f ]] || { echo "missing $libdir/$f"; exit 1; }
done

# Only the public sio_ names leave the shared libraries.
bad=$(nm -D --defined-only "$libdir/libsio.so" "$libdir/libsio-redis.so" "$libdir/libsio-admin.so" |
      awk 'NF==3 && $2 ~ /[TDBR]/ && $3 !~ /^sio_/ && $3 !~ /^_(init|fini|edata|end|_bss_start)$/ {print $3}')
[[ -z $bad ]] || { echo "exported non-sio_ symbols: $bad"; exit 1; }
# libsio-redis links only the public libsio API: every libsio name it needs
# is exported by libsio.so, and its static archive neither defines nor needs
# an internal (sio__) name, so its private core copy cannot clash with libsio.a's.
exported=$(nm -D --defined-only "$libdir/libsio.so" | awk 'NF==3 {print $3}' | sort -u)
needed=$(nm -D --undefined-only "$libdir/libsio-redis.so" | awk '$2 ~ /^sio_/ {print $2}' | sort -u)
bad=$(comm -13 <(echo "$exported") <(echo "$needed"))
[[ -z $bad ]] || { echo "libsio-redis.so needs non-public libsio symbols: $bad"; exit 1; }
bad=$(nm -g "$libdir/libsio-redis.a" | awk '$NF ~ /^sio__/ || (NF==3 && $2 ~ /[TDBR]/ && $3 !~ /^sio_redis_/) {print $NF}')
[[ -z $bad ]] || { echo "libsio-redis.a defines or needs non-public symbols: $bad"; exit 1; }
# libsio-admin too: the public libsio API only, and only sio_admin_ names defined.
needed=$(nm -D --undefined-only "$libdir/libsio-admin.so" | awk '$2 ~ /^sio_/ {print $2}' | sort -u)
bad=$(comm -13 <(echo "$exported") <(echo "$needed"))
[[ -z $bad ]] || { echo "libsio-admin.so needs non-public libsio symbols: $bad"; exit 1; }
bad=$(nm -g "$libdir/libsio-admin.a" | awk '$NF ~ /^sio__/ || (NF==3 && $2 ~ /[TDBR]/ && $3 !~ /^sio_admin_/) {print $NF}')
[[ -z $bad ]] || { echo "libsio-admin.a defines or needs non-public symbols: $bad"; exit 1; }

# The sanitizer build's libraries need the sanitizer runtime in programs too.
extra=()
grep -q '^SIO_SANITIZE:BOOL=ON' "$bin/CMakeCache.txt" && extra=(-fsanitize=address,undefined)

export PKG_CONFIG_PATH=$libdir/pkgconfig
cat > "$tmp/listen.c" <<'C'
#include <sio/server.h>
#include <sio/test_client.h>
#include <stdio.h>
static int closed;
static void on_closed(sio_server_t *s, void *arg) { (void)s; (void)arg; closed = 1; }
int main(void) {
  uv_loop_t loop;
  sio_server_t *io;
  if (uv_loop_init(&loop) != 0 || sio_server_new(&loop, NULL, &io) != 0) return 1;
  int rc = sio_server_listen(io, "127.0.0.1", 0);
  if (rc != 0) { fprintf(stderr, "listen: %s\n", sio_strerror(rc)); return 1; }
  sio_test_client_t *tc; /* the in-process test client is public API too */
  if (sio_test_client_new(io, NULL, &tc) != 0 || sio_test_client_connect(tc, "/", NULL) != 0)
    return 1;
  sio_test_client_free(tc);
  sio_server_close(io, on_closed, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  if (!closed || uv_loop_close(&loop) != 0) return 1;
  puts("listen-ok");
  return 0;
}
C
# A client-only program sees the client and the arguments, not the server
# API nor <uv.h> (it includes <uv.h> itself to run a loop).
cat > "$tmp/client_only.c" <<'C'
#include <sio/client.h>
#include <stdio.h>
#if defined(SIO_SERVER_H) || defined(UV_H)
#error "sio/client.h brings in the server API or <uv.h>"
#endif
int main(void) {
  sio_args_t *a = sio_args_new();
  if (!a || sio_args_add_int(a, 1) != 0 || sio_args_count(a) != 1) return 1;
  sio_args_free(a);
  puts("client-only-ok");
  return 0;
}
C
cat > "$tmp/redis.c" <<'C'
#include <sio/redis.h>
#include <stdio.h>
int main(void) {
  sio_redis_opts_t *o = sio_redis_opts_new();
  if (!o || sio_redis_opts_set_url(o, "redis://127.0.0.1:1/0") != 0) return 1;
  if (sio_redis_opts_set_url(o, "ftp://nope") == 0) return 1;
  sio_redis_opts_free(o);
  puts("redis-ok");
  return 0;
}
C
cat > "$tmp/admin.c" <<'C'
#include <sio/admin.h>
#include <stdio.h>
int main(void) {
  char hash[64];
  sio_admin_opts_t *o = sio_admin_opts_new();
  if (!o || sio_admin_hash_password("pw", 4, hash, sizeof hash) != 0) return 1;
  if (sio_admin_opts_set_auth(o, "admin", hash) != 0) return 1;
  if (sio_admin_opts_set_auth(o, "admin", "not a hash") == 0) return 1;
  sio_admin_opts_free(o);
  puts("admin-ok");
  return 0;
}
C
cc=${CC:-cc}
flags=(-Wall -Wextra -Wno-unused-parameter -Werror "${extra[@]}")
# shellcheck disable=SC2046
$cc "${flags[@]}" "$tmp/listen.c" -o "$tmp/listen" $(pkg-config --cflags --libs libsio)
$cc "${flags[@]}" "$src/examples/minimal/main.c" -o "$tmp/minimal" $(pkg-config --cflags --libs libsio)
$cc "${flags[@]}" "$tmp/client_only.c" -o "$tmp/client_only" $(pkg-config --cflags --libs libsio)
$cc "${flags[@]}" "$tmp/redis.c" -o "$tmp/redis" $(pkg-config --cflags --libs libsio-redis)
$cc "${flags[@]}" "$tmp/admin.c" -o "$tmp/admin" $(pkg-config --cflags --libs libsio-admin)
static_libs=$(pkg-config --static --libs libsio | sed -E 's/(^| )-lsio( |$)/ /')
$cc "${flags[@]}" $(pkg-config --cflags libsio) "$tmp/listen.c" -o "$tmp/listen_static" \
  "$libdir/libsio.a" $static_libs
# Both static archives in one program: one core each, no duplicate symbols.
redis_static_libs=$(pkg-config --static --libs libsio-redis | tr ' ' '\n' | grep -Ev '^-lsio(-redis)?$')
$cc "${flags[@]}" $(pkg-config --cflags libsio-redis) "$tmp/redis.c" -o "$tmp/redis_static" \
  "$libdir/libsio-redis.a" "$libdir/libsio.a" $redis_static_libs
admin_static_libs=$(pkg-config --static --libs libsio-admin | tr ' ' '\n' | grep -Ev '^-lsio(-admin)?$')
$cc "${flags[@]}" $(pkg-config --cflags libsio-admin) "$tmp/admin.c" -o "$tmp/admin_static" \
  "$libdir/libsio-admin.a" "$libdir/libsio.a" $admin_static_libs

# The shared programs must load the installed libraries, not the build's.
export LD_LIBRARY_PATH=$libdir
# No grep -q after a pipe: under pipefail, ldd killed by SIGPIPE fails the check.
deps=$(ldd "$tmp/listen")
grep -qF "$libdir/libsio.so" <<<"$deps" || { echo "not linked to the installed libsio"; ldd "$tmp/listen"; exit 1; }
"$tmp/listen"
"$tmp/client_only"
"$tmp/redis"
"$tmp/admin"
grep -q libsio.so <<<"$(ldd "$tmp/listen_static")" && { echo "static program uses libsio.so"; exit 1; }
unset LD_LIBRARY_PATH
"$tmp/listen_static"
"$tmp/redis_static"
"$tmp/admin_static"
echo "install: ok ($prefix: headers, libsio, libsio-redis and libsio-admin shared + static, pkg-config)"
