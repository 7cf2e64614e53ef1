#!/usr/bin/env bash
# The CMake package as a user gets it: installs the build into a scratch
# prefix, then a consumer project finds it with find_package(libsio 0.1
# REQUIRED) and links libsio::sio, libsio::sio-redis and libsio::sio_static;
# its programs run. A request for a version the package does not satisfy
# (9.0; 0.2, as minor releases before 1.0 may break) must fail.
# Usage: cmake_package.sh BIN_DIR SOURCE_DIR
set -euo pipefail
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cmake --install "$bin" --prefix "$prefix" >/dev/null
pkgdir=$(find "$prefix" -path '*/cmake/libsio/libsio-config.cmake' -printf '%h\n' | head -1)
for f in libsio-config.cmake libsio-config-version.cmake libsio-targets.cmake; do
  [[ -n $pkgdir && -f $pkgdir/$f ]] || { echo "missing cmake/libsio/$f under $prefix"; exit 1; }
done
[[ $pkgdir == "$prefix"/*/cmake/libsio ]] || { echo "package not in <libdir>/cmake/libsio: $pkgdir"; exit 1; }

# The sanitizer build's libraries need the sanitizer runtime in programs too.
cflags=""
grep -q '^SIO_SANITIZE:BOOL=ON' "$bin/CMakeCache.txt" && cflags="-fsanitize=address,undefined"

mkdir "$tmp/app"
cat > "$tmp/app/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.18)
project(consumer LANGUAGES C)
find_package(libsio 0.1 REQUIRED COMPONENTS redis)
add_executable(app listen.c)
target_link_libraries(app libsio::sio)
add_executable(app_redis redis.c)
target_link_libraries(app_redis libsio::sio-redis)
add_executable(app_static listen.c)
target_link_libraries(app_static libsio::sio_static)
add_executable(app_redis_static redis.c)
target_link_libraries(app_redis_static libsio::sio-redis_static)
CMAKE
cat > "$tmp/app/listen.c" <<'C'
#include <sio/server.h>
#include <stdio.h>
static int closed;
static void on_closed(sio_server_t *s, void *arg) { (void)s; (void)arg; closed = 1; }
int main(void) {
  uv_loop_t loop;
  sio_server_t *io;
  if (uv_loop_init(&loop) != 0 || sio_server_new(&loop, NULL, &io) != 0) return 1;
  int rc = sio_server_listen(io, "127.0.0.1", 0);
  if (rc != 0) { fprintf(stderr, "listen: %s\n", sio_strerror(rc)); return 1; }
  sio_server_close(io, on_closed, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  if (!closed || uv_loop_close(&loop) != 0) return 1;
  puts("listen-ok");
  return 0;
}
C
cat > "$tmp/app/redis.c" <<'C'
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
cmake -S "$tmp/app" -B "$tmp/app/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="-Wall -Wextra -Werror $cflags" >"$tmp/app.log" 2>&1 ||
  { cat "$tmp/app.log"; echo "consumer project: configure failed"; exit 1; }
cmake --build "$tmp/app/build" >>"$tmp/app.log" 2>&1 ||
  { cat "$tmp/app.log"; echo "consumer project: build failed"; exit 1; }

# The shared programs load the installed libraries, the static ones none of
# them. (The installed libraries carry no RPATH: libsio-redis.so finds
# libsio.so through the loader's path, as after a `make install` elsewhere.)
app=$tmp/app/build
libdir=$(dirname "$(find "$prefix" -name libsio.so | head -1)")
export LD_LIBRARY_PATH=$libdir
# (ldd's output is read whole first: grep -q ending early would fail the pipe.)
deps=$(ldd "$app/app")
grep -q "$libdir/libsio.so" <<<"$deps" || { echo "app not linked to the installed libsio: $deps"; exit 1; }
deps=$(ldd "$app/app_redis")
grep -q "$libdir/libsio-redis.so" <<<"$deps" ||
  { echo "app_redis not linked to the installed libsio-redis: $deps"; exit 1; }
for p in app_static app_redis_static; do
  deps=$(ldd "$app/$p")
  ! grep -q 'libsio' <<<"$deps" || { echo "$p uses a shared libsio: $deps"; exit 1; }
done
[[ $("$app/app") == listen-ok ]]
[[ $("$app/app_redis") == redis-ok ]]
unset LD_LIBRARY_PATH
[[ $("$app/app_static") == listen-ok ]]
[[ $("$app/app_redis_static") == redis-ok ]]

# Versions the package must refuse, and one it must accept.
mkdir "$tmp/ver"
cat > "$tmp/ver/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.18)
project(version_check LANGUAGES C)
find_package(libsio ${WANT} REQUIRED)
message(STATUS "found libsio ${libsio_VERSION}")
CMAKE
want_version() { # want_version VERSION: configures the project asking for it
  cmake -S "$tmp/ver" -B "$tmp/ver/build" -DCMAKE_PREFIX_PATH="$prefix" -DWANT="$1" \
    >"$tmp/ver.log" 2>&1
}
for v in 9.0 0.2 1.0; do
  if want_version "$v"; then
    cat "$tmp/ver.log"; echo "find_package(libsio $v) should fail"; exit 1
  fi
  grep -q 'version' "$tmp/ver.log" || { cat "$tmp/ver.log"; echo "no version message"; exit 1; }
done
want_version 0.1.0 || { cat "$tmp/ver.log"; echo "find_package(libsio 0.1.0) failed"; exit 1; }
echo "cmake_package: ok ($pkgdir: libsio::sio, sio_static, sio-redis, sio-redis_static)"
