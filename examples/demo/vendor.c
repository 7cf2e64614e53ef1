/* Serves the official socket.io-client browser bundle at
 * /vendor/socket.io.min.js (and its source map), read once at startup from
 * the npm install next to the web page (examples/demo/node_modules, made
 * by `npm ci` from the committed lockfile). An application route of every
 * worker's HTTP server: static files are tried first, then this handler,
 * which only reads the files loaded at startup (safe on any worker). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

#define DEMO_VENDOR_MAX (8u << 20) /* the bundle is ~50 KB; refuse anything absurd */
#define DEMO_BUNDLE_DIR "node_modules/socket.io-client/dist"

static const char *const bundle_names[2] = {"socket.io.min.js", "socket.io.min.js.map"};

int demo_read_file(const char *path, char **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      if (cap >= DEMO_VENDOR_MAX) goto fail;
      cap = cap ? cap * 2 : 65536;
      char *nb = realloc(buf, cap);
      if (!nb) goto fail;
      buf = nb;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  if (ferror(f)) goto fail;
  fclose(f);
  *out = buf;
  *len = n;
  return 0;
fail:
  fclose(f);
  free(buf);
  return -1;
}

/* Loads both files from dir/DEMO_BUNDLE_DIR; 1 if the bundle is there. */
static int load_from(demo_app_t *app, const char *dir) {
  char path[4096];
  if (demo_path3(path, sizeof path, dir, DEMO_BUNDLE_DIR, bundle_names[0]) != 0 ||
      !demo_is_file(path))
    return 0;
  for (int i = 0; i < 2; i++) {
    demo_path3(path, sizeof path, dir, DEMO_BUNDLE_DIR, bundle_names[i]);
    free(app->vendor[i].data);
    app->vendor[i].data = NULL;
    app->vendor[i].len = 0;
    demo_read_file(path, &app->vendor[i].data, &app->vendor[i].len);
  }
  return app->vendor[0].data != NULL;
}

static void on_request(sio_http_req_t *req, void *arg) {
  demo_app_t *app = arg;
  size_t plen;
  const char *path = sio_http_req_path(req, &plen);
  const char *method = sio_http_req_method(req);
  int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
  for (int i = 0; get && i < 2; i++) {
    const demo_file_t *f = &app->vendor[i];
    if (strlen(f->url) != plen || memcmp(f->url, path, plen) != 0) continue;
    if (!f->data) break;
    sio_http_req_respond(req, 200, f->content_type, "Cache-Control: no-cache\r\n",
                         f->data, f->len);
    return;
  }
  if (get && demo_admin_serve(app, req)) return;
  static const char msg[] = "not found\n";
  sio_http_req_respond(req, 404, "text/plain; charset=utf-8", NULL, msg, sizeof msg - 1);
}

int demo_vendor_setup(demo_app_t *app, const char *public_dir) {
  app->vendor[0].url = "/vendor/socket.io.min.js";
  app->vendor[0].content_type = "text/javascript; charset=utf-8";
  app->vendor[1].url = "/vendor/socket.io.min.js.map";
  app->vendor[1].content_type = "application/json; charset=utf-8";

  /* node_modules sits beside public/ in the example's folder; otherwise try
   * the example folders from the current directory and the executable. */
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/..", public_dir);
  if (load_from(app, dir)) return 1;
  static const char *const rel[] = {"examples/demo"};
  for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++)
    if (load_from(app, rel[i])) return 1;
  char exe[4096];
  if (demo_exe_dir(exe, sizeof exe)) {
    static const char *const up[] = {"..", "../.."};
    for (size_t u = 0; u < 2; u++)
      for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        if (demo_path3(dir, sizeof dir, exe, up[u], rel[i]) == 0 && load_from(app, dir))
          return 1;
      }
  }
  fprintf(stderr,
          "demo: warning: socket.io-client's bundle (%s/%s) was not found;\n"
          "          run `npm ci` in examples/demo (or `make deps`) so the page can "
          "connect\n",
          DEMO_BUNDLE_DIR, bundle_names[0]);
  return 0;
}

void demo_routes_install(demo_app_t *app, sio_http_server_t *http) {
  sio_http_server_on_request(http, on_request, app);
}

void demo_vendor_free(demo_app_t *app) {
  for (int i = 0; i < 2; i++) {
    free(app->vendor[i].data);
    app->vendor[i].data = NULL;
  }
}
