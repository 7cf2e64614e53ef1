/* --admin USER:PASSWORD: the official Socket.IO Admin UI on the demo.
 *
 * The server is instrumented with libsio-admin (sio/admin.h): the "/admin"
 * namespace, which the UI logs in to with USER and PASSWORD (kept only as
 * its bcrypt hash, made here with libcrypt at start). The UI's own files,
 * from the npm package @socket.io/admin-ui (node_modules here, from the
 * committed lockfile), are served at /admin/: open
 * http://127.0.0.1:5000/admin/ and connect to the server URL
 * http://127.0.0.1:5000 (the page's "Server URL" field). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

#define UI_DIR "node_modules/@socket.io/admin-ui/ui/dist"
#define UI_PREFIX "/admin/"
#define UI_MAX_FILES 64 /* the package has a dozen */
#define UI_BCRYPT_COST 10

static const char *content_type(const char *name) {
  static const char *const map[][2] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".png", "image/png"},
      {".svg", "image/svg+xml"},
      {".map", "application/json; charset=utf-8"},
  };
  const char *dot = strrchr(name, '.');
  for (size_t i = 0; dot && i < sizeof map / sizeof map[0]; i++)
    if (strcmp(dot, map[i][0]) == 0) return map[i][1];
  return "application/octet-stream";
}

/* Loads the regular files of dir/sub (sub "" for dir itself) as
 * /admin/<sub>/<name>. */
static void load_dir(demo_app_t *app, const char *dir, const char *sub) {
  char path[4096];
  snprintf(path, sizeof path, "%s%s%s", dir, *sub ? "/" : "", sub);
  DIR *d = opendir(path);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) && app->nui < UI_MAX_FILES) {
    if (e->d_name[0] == '.') continue;
    char file[4096 + 512], url[1024];
    snprintf(file, sizeof file, "%s/%s", path, e->d_name);
    if (!demo_is_file(file)) continue;
    int n =
        snprintf(url, sizeof url, UI_PREFIX "%s%s%s", sub, *sub ? "/" : "", e->d_name);
    if (n < 0 || (size_t)n >= sizeof url) continue;
    demo_file_t *f = &app->ui[app->nui];
    if (demo_read_file(file, &f->data, &f->len) != 0) continue;
    f->url = strdup(url);
    f->content_type = content_type(e->d_name);
    if (!f->url) {
      free(f->data);
      continue;
    }
    app->nui++;
  }
  closedir(d);
}

static int load_ui(demo_app_t *app, const char *dir) {
  char index[4096 + 64];
  snprintf(index, sizeof index, "%s/index.html", dir);
  if (!demo_is_file(index)) return 0;
  static const char *const subs[] = {"", "css", "js", "img"};
  for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) load_dir(app, dir, subs[i]);
  return app->nui > 0;
}

/* The package next to public/, then from the current directory and the
 * executable's, as vendor.c looks for the client bundle. */
static int find_ui(demo_app_t *app, const char *public_dir) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/../" UI_DIR, public_dir);
  if (load_ui(app, dir)) return 1;
  if (load_ui(app, "examples/demo/" UI_DIR)) return 1;
  char exe[4096];
  if (!demo_exe_dir(exe, sizeof exe)) return 0;
  static const char *const up[] = {"..", "../.."};
  for (size_t u = 0; u < 2; u++)
    if (demo_path3(dir, sizeof dir, exe, up[u], "examples/demo/" UI_DIR) == 0 &&
        load_ui(app, dir))
      return 1;
  return 0;
}

int demo_admin_setup(demo_app_t *app, const char *user_password, const char *public_dir) {
  const char *colon = strchr(user_password, ':');
  if (!colon || colon == user_password || !colon[1]) {
    fprintf(stderr, "demo: --admin wants USER:PASSWORD\n");
    return SIO_EINVAL;
  }
  char user[256], hash[128];
  size_t ulen = (size_t)(colon - user_password);
  if (ulen >= sizeof user) return SIO_EINVAL;
  memcpy(user, user_password, ulen);
  user[ulen] = '\0';
  int rc = sio_admin_hash_password(colon + 1, UI_BCRYPT_COST, hash, sizeof hash);
  sio_admin_opts_t *o = rc == 0 ? sio_admin_opts_new() : NULL;
  if (rc == 0 && !o) rc = SIO_ENOMEM;
  if (rc == 0) rc = sio_admin_opts_set_auth(o, user, hash);
  /* Node's id for a cluster worker, "host#pid": demos on one machine (the
   * --redis cluster) show as distinct servers. */
  char host[200], id[256];
  size_t hlen = sizeof host;
  if (uv_os_gethostname(host, &hlen) != 0) snprintf(host, sizeof host, "demo");
  snprintf(id, sizeof id, "%s#%d", host, (int)uv_os_getpid());
  if (rc == 0) rc = sio_admin_opts_set_server_id(o, id);
  if (rc == 0) rc = sio_admin_attach(app->sio, o, &app->admin);
  sio_admin_opts_free(o);
  memset(hash, 0, sizeof hash);
  if (rc != 0) {
    fprintf(stderr, "demo: cannot set up the Admin UI: %s\n", sio_strerror(rc));
    return rc;
  }
  app->ui = calloc(UI_MAX_FILES, sizeof(*app->ui));
  if (!app->ui) return SIO_ENOMEM;
  if (!find_ui(app, public_dir))
    fprintf(stderr,
            "demo: warning: the Admin UI's files (%s) were not found; run `npm ci` in "
            "examples/demo (or `make deps`). The instrumentation is on: the hosted UI "
            "works too\n",
            UI_DIR);
  return 0;
}

int demo_admin_serve(demo_app_t *app, sio_http_req_t *req) {
  if (!app->ui) return 0;
  size_t plen;
  const char *path = sio_http_req_path(req, &plen);
  if (plen == strlen(UI_PREFIX) - 1 && memcmp(path, UI_PREFIX, plen) == 0) {
    sio_http_req_respond(req, 301, NULL, "Location: " UI_PREFIX "\r\n", NULL, 0);
    return 1;
  }
  if (plen < strlen(UI_PREFIX) || memcmp(path, UI_PREFIX, strlen(UI_PREFIX)) != 0)
    return 0;
  const char *want = path;
  size_t wlen = plen;
  if (plen == strlen(UI_PREFIX)) { /* the page itself */
    want = UI_PREFIX "index.html";
    wlen = strlen(want);
  }
  for (size_t i = 0; i < app->nui; i++) {
    const demo_file_t *f = &app->ui[i];
    if (strlen(f->url) == wlen && memcmp(f->url, want, wlen) == 0) {
      sio_http_req_respond(req, 200, f->content_type, "Cache-Control: no-cache\r\n",
                           f->data, f->len);
      return 1;
    }
  }
  return 0;
}

void demo_admin_free(demo_app_t *app) {
  sio_admin_free(app->admin);
  app->admin = NULL;
  for (size_t i = 0; i < app->nui; i++) {
    free(app->ui[i].data);
    free((char *)app->ui[i].url);
  }
  free(app->ui);
  app->ui = NULL;
  app->nui = 0;
}
