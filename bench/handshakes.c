/* Engine.IO polling handshakes per second, each on a new TCP connection:
 * what a server gains or loses in accepting and spreading connections over
 * its workers (docs/PERFORMANCE.md, "Workers sharing a port").
 *
 *   cc -O2 -o handshakes bench/handshakes.c
 *   ./handshakes PORT [CONCURRENCY=64] [SECONDS=5]
 *
 * Keeps CONCURRENCY connections busy: connect, send the handshake GET with
 * Connection: close, read to the end, close, again. Prints
 * {"handshakes":N,"seconds":S,"per_sec":R,"errors":E}. One thread, epoll. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char k_req[] = "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\n"
                            "Host: 127.0.0.1\r\nConnection: close\r\n\r\n";

typedef struct {
  int fd;
  size_t got;
  int sent;
} conn_t;

static struct sockaddr_in g_sa;
static int g_ep;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void start(conn_t *c) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  c->got = 0;
  c->sent = 0;
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  connect(c->fd, (struct sockaddr *)&g_sa, sizeof g_sa);
  struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.ptr = c};
  epoll_ctl(g_ep, EPOLL_CTL_ADD, c->fd, &ev);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: handshakes PORT [CONCURRENCY] [SECONDS]\n");
    return 2;
  }
  int conc = argc > 2 ? atoi(argv[2]) : 64;
  double secs = argc > 3 ? atof(argv[3]) : 5;
  memset(&g_sa, 0, sizeof g_sa);
  g_sa.sin_family = AF_INET;
  g_sa.sin_port = htons((uint16_t)atoi(argv[1]));
  g_sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  g_ep = epoll_create1(0);
  conn_t *cs = calloc((size_t)conc, sizeof *cs);
  for (int i = 0; i < conc; i++) start(&cs[i]);
  long done = 0, errors = 0;
  double t0 = now(), end = t0 + secs;
  struct epoll_event evs[256];
  char buf[4096];
  while (now() < end) {
    int n = epoll_wait(g_ep, evs, 256, 100);
    for (int i = 0; i < n; i++) {
      conn_t *c = evs[i].data.ptr;
      if (!c->sent && (evs[i].events & EPOLLOUT)) {
        if (write(c->fd, k_req, sizeof k_req - 1) != (ssize_t)(sizeof k_req - 1)) {
          errors++;
          close(c->fd);
          start(c);
          continue;
        }
        c->sent = 1;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(g_ep, EPOLL_CTL_MOD, c->fd, &ev);
        continue;
      }
      if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        ssize_t r;
        while ((r = read(c->fd, buf, sizeof buf)) > 0) c->got += (size_t)r;
        if (r == 0 || (r < 0 && errno != EAGAIN)) {
          if (c->got > 12 && r == 0)
            done++;
          else
            errors++;
          close(c->fd);
          start(c);
        }
      }
    }
  }
  double took = now() - t0;
  printf("{\"handshakes\":%ld,\"seconds\":%.2f,\"per_sec\":%.0f,\"errors\":%ld}\n", done,
         took, (double)done / took, errors);
  return 0;
}
