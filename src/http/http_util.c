#include "http/http_util.h"

#include <stdio.h>
#include <string.h>

#include "sio/common.h"

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int sio__pct_decode(const char *in, size_t len, char *out, size_t outcap, int plus_space,
                    int strict) {
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    char c = in[i];
    if (c == '%') {
      int hi = i + 2 < len ? hexval(in[i + 1]) : -1;
      int lo = i + 2 < len ? hexval(in[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        c = (char)(hi * 16 + lo);
        i += 2;
      } else if (strict) {
        return SIO_EINVAL;
      }
    } else if (c == '+' && plus_space) {
      c = ' ';
    }
    if (o >= outcap) return SIO_ELIMIT;
    out[o++] = c;
  }
  if (o < outcap) out[o] = '\0';
  return (int)o;
}

/* Compares the raw (encoded) key[0..klen) with want after decoding, without
 * allocating: keys are short, so a bounded stack copy is enough. */
static int key_equals(const char *raw, size_t klen, const char *want) {
  char dec[256];
  if (klen >= sizeof(dec)) return 0;
  int n = sio__pct_decode(raw, klen, dec, sizeof(dec), 1, 0);
  return n >= 0 && (size_t)n == strlen(want) && memcmp(dec, want, (size_t)n) == 0;
}

int sio__http_query_find(const char *q, size_t qlen, const char *key, const char **val,
                         size_t *vlen) {
  size_t i = 0;
  while (i < qlen) {
    size_t end = i;
    while (end < qlen && q[end] != '&') end++;
    size_t eq = i;
    while (eq < end && q[eq] != '=') eq++;
    if (key_equals(q + i, eq - i, key)) {
      *val = eq < end ? q + eq + 1 : q + end;
      *vlen = eq < end ? end - eq - 1 : 0;
      return 0;
    }
    i = end + 1;
  }
  return SIO_ENOENT;
}

int sio__http_static_path(const char *raw, size_t len, char *out, size_t outcap) {
  if (len == 0 || raw[0] != '/') return SIO_EINVAL;
  if (outcap == 0) return SIO_ELIMIT;
  char dec[4096];
  int n = sio__pct_decode(raw, len, dec, sizeof(dec), 0, 1);
  if (n == SIO_ELIMIT) return SIO_ELIMIT;
  if (n < 0) return SIO_EINVAL;
  if (memchr(dec, '\0', (size_t)n)) return SIO_EINVAL;
  if (memchr(dec, '\\', (size_t)n)) return SIO_EACCES;
  /* Walk the segments: drop empty and "." ones, refuse "..". */
  size_t o = 0;
  size_t i = 0;
  int trailing = dec[n - 1] == '/';
  while (i < (size_t)n) {
    while (i < (size_t)n && dec[i] == '/') i++;
    size_t st = i;
    while (i < (size_t)n && dec[i] != '/') i++;
    size_t sl = i - st;
    if (sl == 0 || (sl == 1 && dec[st] == '.')) continue;
    if (sl == 2 && dec[st] == '.' && dec[st + 1] == '.') return SIO_EACCES;
    if (o + (o > 0) + sl + 1 > outcap) return SIO_ELIMIT;
    if (o > 0) out[o++] = '/';
    memcpy(out + o, dec + st, sl);
    o += sl;
  }
  if (trailing && o > 0) {
    if (o + 2 > outcap) return SIO_ELIMIT;
    out[o++] = '/';
  }
  out[o] = '\0';
  return (int)o;
}

/* RFC 3986 pchar and '/', less '%' (the input is already decoded). */
static int path_char_ok(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return 1;
  return c != 0 && strchr("-._~!$&'()*+,;=:@/", c) != NULL;
}

int sio__http_pct_encode_path(const char *in, size_t len, char *out, size_t outcap) {
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)in[i];
    size_t need = path_char_ok(c) ? 1 : 3;
    if (o + need + 1 > outcap) return SIO_ELIMIT;
    if (need == 1) {
      out[o++] = (char)c;
    } else {
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  if (outcap == 0) return SIO_ELIMIT;
  out[o] = '\0';
  return (int)o;
}

const char *sio__http_mime_type(const char *name) {
  static const struct {
    const char *ext;
    const char *type;
  } types[] = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json; charset=utf-8"},
      {"map", "application/json; charset=utf-8"},
      {"txt", "text/plain; charset=utf-8"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"svg", "image/svg+xml"},
      {"ico", "image/x-icon"},
      {"wasm", "application/wasm"},
      {"woff2", "font/woff2"},
  };
  const char *slash = strrchr(name, '/');
  const char *base = slash ? slash + 1 : name;
  const char *dot = strrchr(base, '.');
  if (dot && dot != base) {
    const char *ext = dot + 1;
    size_t el = strlen(ext);
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
      if (sio__http_ieq(ext, el, types[i].ext)) return types[i].type;
  }
  return "application/octet-stream";
}

static const char *const k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void sio__http_date_format(time_t t, char out[30]) {
  struct tm tm;
  if (!gmtime_r(&t, &tm)) {
    memcpy(out, "Thu, 01 Jan 1970 00:00:00 GMT", 30);
    return;
  }
  snprintf(out, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT", k_days[tm.tm_wday % 7],
           tm.tm_mday, k_months[tm.tm_mon % 12], (tm.tm_year + 1900) % 10000, tm.tm_hour,
           tm.tm_min, tm.tm_sec);
}

static int digits(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

int sio__http_date_parse(const char *s, size_t len, time_t *out) {
  /* "Sun, 06 Nov 1994 08:49:37 GMT" */
  if (len != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
      s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25] != ' ' ||
      memcmp(s + 26, "GMT", 3) != 0)
    return SIO_EINVAL;
  int wd = -1, mon = -1;
  for (int i = 0; i < 7; i++)
    if (memcmp(s, k_days[i], 3) == 0) wd = i;
  for (int i = 0; i < 12; i++)
    if (memcmp(s + 8, k_months[i], 3) == 0) mon = i;
  int day = digits(s + 5, 2), year = digits(s + 12, 4);
  int hh = digits(s + 17, 2), mm = digits(s + 20, 2), ss = digits(s + 23, 2);
  if (wd < 0 || mon < 0 || day < 1 || day > 31 || year < 0 || hh < 0 || hh > 23 ||
      mm < 0 || mm > 59 || ss < 0 || ss > 60)
    return SIO_EINVAL;
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  tm.tm_year = year - 1900;
  tm.tm_mon = mon;
  tm.tm_mday = day;
  tm.tm_hour = hh;
  tm.tm_min = mm;
  tm.tm_sec = ss;
  time_t t = timegm(&tm);
  if (t == (time_t)-1) return SIO_EINVAL;
  *out = t;
  return 0;
}

void sio__http_etag(uint64_t size, uint64_t mtime_ms, char out[48]) {
  snprintf(out, 48, "\"%llx-%llx\"", (unsigned long long)size,
           (unsigned long long)mtime_ms);
}

int sio__http_etag_match(const char *inm, size_t len, const char *etag) {
  const char *e = etag;
  size_t el = strlen(e);
  if (el >= 2 && e[0] == 'W' && e[1] == '/') e += 2, el -= 2;
  size_t i = 0;
  while (i < len) {
    while (i < len && (inm[i] == ' ' || inm[i] == '\t' || inm[i] == ',')) i++;
    size_t st = i;
    while (i < len && inm[i] != ',') i++;
    size_t end = i;
    while (end > st && (inm[end - 1] == ' ' || inm[end - 1] == '\t')) end--;
    if (end - st == 1 && inm[st] == '*') return 1;
    if (end - st >= 2 && inm[st] == 'W' && inm[st + 1] == '/') st += 2;
    if (end - st == el && memcmp(inm + st, e, el) == 0) return 1;
  }
  return 0;
}

int sio__http_ieq(const char *a, size_t alen, const char *b) {
  size_t bl = strlen(b);
  if (alen != bl) return 0;
  for (size_t i = 0; i < alen; i++)
    if (lower(a[i]) != lower(b[i])) return 0;
  return 1;
}

int sio__http_list_has_token(const char *value, size_t len, const char *token) {
  size_t i = 0;
  while (i < len) {
    size_t st = i;
    while (i < len && value[i] != ',') i++;
    size_t end = i++;
    while (st < end && (value[st] == ' ' || value[st] == '\t')) st++;
    while (end > st && (value[end - 1] == ' ' || value[end - 1] == '\t')) end--;
    if (end > st && sio__http_ieq(value + st, end - st, token)) return 1;
  }
  return 0;
}

const char *sio__http_status_text(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 426:
      return "Upgrade Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}
