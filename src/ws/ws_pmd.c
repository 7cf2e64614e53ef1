/* permessage-deflate negotiation (RFC 7692 5 and 7.1): parsing the
 * Sec-WebSocket-Extensions lists and writing the offer and the answer. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ws/ws_deflate.h"

void sio__ws_deflate_cfg_init(sio__ws_deflate_cfg_t *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->level = -1;
  cfg->mem_level = 8;
  cfg->own_bits = 15;
  cfg->peer_bits = 15;
  cfg->threshold = 1024;
}

/* One extension of a list: its name and its parameters' text. */
typedef struct {
  const char *p, *end; /* the cursor over the whole header value */
} scan_t;

static int is_ws(char c) {
  return c == ' ' || c == '\t';
}

static void skip_ws(scan_t *s) {
  while (s->p < s->end && is_ws(*s->p)) s->p++;
}

/* A token (RFC 7230 tchar, loosely: anything but separators). */
static size_t token(scan_t *s, const char **start) {
  skip_ws(s);
  *start = s->p;
  while (s->p < s->end && !is_ws(*s->p) && !strchr(",;=\"", *s->p)) s->p++;
  return (size_t)(s->p - *start);
}

/* A parameter value: a token or a quoted string (no escapes in the values
 * this extension allows). -1 when malformed. */
static int value(scan_t *s, const char **start, size_t *n) {
  skip_ws(s);
  if (s->p < s->end && *s->p == '"') {
    s->p++;
    *start = s->p;
    while (s->p < s->end && *s->p != '"') {
      if (*s->p == '\\') return -1;
      s->p++;
    }
    if (s->p == s->end) return -1;
    *n = (size_t)(s->p - *start);
    s->p++;
    return 0;
  }
  *n = token(s, start);
  return *n ? 0 : -1;
}

static int name_is(const char *p, size_t n, const char *name) {
  return n == strlen(name) && strncasecmp(p, name, n) == 0;
}

/* 8..15 from v[0..n), else -1. */
static int window_bits(const char *v, size_t n) {
  if (n == 1 && v[0] >= '8' && v[0] <= '9') return v[0] - '0';
  if (n == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5') return 10 + v[1] - '0';
  return -1;
}

/* The parameters of one permessage-deflate element. Absent windows are 0;
 * a client_max_window_bits without a value is 16 ("any, say yours"). */
typedef struct {
  int server_no_takeover, client_no_takeover;
  int server_bits, client_bits;
} params_t;

enum { P_SEEN_SNT = 1, P_SEEN_CNT = 2, P_SEEN_SB = 4, P_SEEN_CB = 8 };

/* Parses the parameters after an extension's name up to the next ',' (or
 * the end). Returns 0 when all are known and valid, -1 otherwise (the rest
 * of the element is skipped either way; -2 when the list itself is broken). */
static int parse_params(scan_t *s, params_t *pr) {
  memset(pr, 0, sizeof(*pr));
  unsigned seen = 0;
  int bad = 0;
  for (;;) {
    skip_ws(s);
    if (s->p == s->end) return bad;
    if (*s->p == ',') {
      s->p++;
      return bad;
    }
    if (*s->p != ';') return -2;
    s->p++;
    const char *nm;
    size_t nn = token(s, &nm);
    if (!nn) return -2;
    skip_ws(s);
    const char *v = NULL;
    size_t vn = 0;
    if (s->p < s->end && *s->p == '=') {
      s->p++;
      if (value(s, &v, &vn)) return -2;
    }
    unsigned bit;
    if (name_is(nm, nn, "server_no_context_takeover")) {
      bit = P_SEEN_SNT;
      pr->server_no_takeover = 1;
      if (v) bad = -1;
    } else if (name_is(nm, nn, "client_no_context_takeover")) {
      bit = P_SEEN_CNT;
      pr->client_no_takeover = 1;
      if (v) bad = -1;
    } else if (name_is(nm, nn, "server_max_window_bits")) {
      bit = P_SEEN_SB;
      pr->server_bits = v ? window_bits(v, vn) : -1;
      if (pr->server_bits < 0) bad = -1;
    } else if (name_is(nm, nn, "client_max_window_bits")) {
      bit = P_SEEN_CB;
      pr->client_bits = v ? window_bits(v, vn) : 16;
      if (pr->client_bits < 0) bad = -1;
    } else {
      bit = 0;
      bad = -1;
    }
    if (bit & seen) bad = -1;
    seen |= bit;
  }
}

/* Moves s to the next element's name; returns 1 when it is
 * permessage-deflate, 0 for another extension, -1 at the end or on a broken
 * list. */
static int next_element(scan_t *s) {
  for (;;) {
    skip_ws(s);
    if (s->p == s->end) return -1;
    if (*s->p == ',') {
      s->p++;
      continue;
    }
    const char *nm;
    size_t nn = token(s, &nm);
    if (!nn) return -1;
    return name_is(nm, nn, "permessage-deflate");
  }
}

static int min_int(int a, int b) {
  return a < b ? a : b;
}

int sio__ws_pmd_negotiate(const sio__ws_deflate_cfg_t *cfg, const char *v, size_t len,
                          sio__ws_pmd_t *pmd, char *resp, size_t resp_cap) {
  memset(pmd, 0, sizeof(*pmd));
  if (resp_cap) resp[0] = '\0';
  if (!cfg->enabled || !v) return 0;
  scan_t s = {v, v + len};
  for (;;) {
    int el = next_element(&s);
    if (el < 0) return 0;
    params_t pr;
    int rc = parse_params(&s, &pr);
    if (rc == -2) return 0;
    if (el == 0 || rc != 0) continue;
    /* Accepted: we compress with at most what the client allows (a window
     * of 8 is below what zlib can compress raw with: we then send plain). */
    int out_bits = cfg->own_bits;
    if (pr.server_bits) out_bits = min_int(out_bits, pr.server_bits);
    /* The client's window: ours to choose only if it said it can be told. */
    int in_bits = 15;
    int tell_client = 0;
    if (pr.client_bits) {
      in_bits = min_int(cfg->peer_bits, pr.client_bits == 16 ? 15 : pr.client_bits);
      tell_client = in_bits < 15 || pr.client_bits != 16;
    }
    int no_takeover = pr.client_no_takeover || cfg->peer_no_takeover;
    char buf[160];
    int n = snprintf(buf, sizeof(buf), "permessage-deflate; server_no_context_takeover%s",
                     no_takeover ? "; client_no_context_takeover" : "");
    if (pr.server_bits)
      n += snprintf(buf + n, sizeof(buf) - (size_t)n, "; server_max_window_bits=%d",
                    out_bits);
    if (tell_client)
      n += snprintf(buf + n, sizeof(buf) - (size_t)n, "; client_max_window_bits=%d",
                    in_bits);
    if ((size_t)n >= resp_cap) return 0;
    memcpy(resp, buf, (size_t)n + 1);
    pmd->on = 1;
    pmd->out_bits = (uint8_t)(out_bits < cfg->own_bits || out_bits < 9 ? 0 : out_bits);
    /* Node's zlib turns a raw window of 8 into 9: inflate with 9 at least. */
    pmd->in_bits = (uint8_t)(in_bits < 9 ? 9 : in_bits);
    pmd->in_no_takeover = (uint8_t)no_takeover;
    return 1;
  }
}

size_t sio__ws_pmd_offer(const sio__ws_deflate_cfg_t *cfg, char *out, size_t out_cap) {
  if (!cfg->enabled || out_cap == 0) return 0;
  int n = snprintf(out, out_cap, "permessage-deflate; client_max_window_bits");
  if (cfg->own_bits < 15)
    n = snprintf(out, out_cap, "permessage-deflate; client_max_window_bits=%d",
                 cfg->own_bits);
  if (cfg->peer_no_takeover && n > 0 && (size_t)n < out_cap)
    n += snprintf(out + n, out_cap - (size_t)n, "; server_no_context_takeover");
  if (cfg->peer_bits < 15 && n > 0 && (size_t)n < out_cap)
    n += snprintf(out + n, out_cap - (size_t)n, "; server_max_window_bits=%d",
                  cfg->peer_bits);
  if (n < 0 || (size_t)n >= out_cap) {
    out[0] = '\0';
    return 0;
  }
  return (size_t)n;
}

int sio__ws_pmd_accept(const sio__ws_deflate_cfg_t *cfg, const char *v, size_t len,
                       sio__ws_pmd_t *pmd) {
  memset(pmd, 0, sizeof(*pmd));
  if (!v) return 0;
  scan_t s = {v, v + len};
  int el = next_element(&s);
  if (el < 0) return 0;                            /* an empty header: nothing accepted */
  if (!cfg->enabled || el == 0) return SIO_EPROTO; /* not what we offered */
  params_t pr;
  if (parse_params(&s, &pr) != 0 || pr.client_bits == 16) return SIO_EPROTO;
  skip_ws(&s);
  if (s.p != s.end) return SIO_EPROTO; /* one extension only: ours */
  /* The server may not ask for more than we offered. */
  if (pr.server_bits && cfg->peer_bits < 15 && pr.server_bits > cfg->peer_bits)
    return SIO_EPROTO;
  if (cfg->peer_bits < 15 && !pr.server_bits) return SIO_EPROTO;
  if (cfg->peer_no_takeover && !pr.server_no_takeover) return SIO_EPROTO;
  int out_bits = cfg->own_bits;
  if (pr.client_bits) out_bits = min_int(out_bits, pr.client_bits);
  pmd->on = 1;
  pmd->out_bits = (uint8_t)(out_bits < 9 ? 0 : out_bits);
  int in_bits = pr.server_bits ? pr.server_bits : 15;
  pmd->in_bits = (uint8_t)(in_bits < 9 ? 9 : in_bits);
  pmd->in_no_takeover = (uint8_t)pr.server_no_takeover;
  return 0;
}
