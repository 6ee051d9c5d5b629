// SPDX-License-Identifier: MIT
// floodpeer: a deliberately fast peer for the harness's common protocol (join / publish / echo),
// used only to find the load generator's own ceiling. One thread, epoll, and every frame a
// connection is owed in one loop iteration leaves in one send(): a publication to a room of
// 1000 costs 1000 memcpy()s, not 1000 syscalls. No auth, no storage, no limits: not a server.
//   cc -O2 -o floodpeer floodpeer.c -lcrypto && ./floodpeer --port 19009
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct { char *p; size_t len, cap, off; } Buf;  // off: bytes of p already sent
typedef struct Conn { int fd, upgraded, dirty, wantOut; Buf in, out; } Conn;
typedef struct { char name[64]; int *members; int count, cap; } Room;

static Conn **conns; static int nconns;
static Room rooms[64]; static int nrooms;
static int *dirty; static int ndirty;

static void put(Buf *b, const void *d, size_t n) {
  if (b->len + n > b->cap) { b->cap = (b->len + n) * 2; b->p = realloc(b->p, b->cap); }
  memcpy(b->p + b->len, d, n); b->len += n;
}
static void mark(Conn *c) { if (!c->dirty) { c->dirty = 1; dirty[ndirty++] = c->fd; } }
static void frame(Conn *c, int op, const char *d, size_t n) {  // unmasked server frame
  unsigned char h[10]; size_t hl = 2; h[0] = 0x80 | op;
  if (n < 126) h[1] = n; else if (n < 65536) { h[1] = 126; h[2] = n >> 8; h[3] = n; hl = 4; }
  else { h[1] = 127; for (int i = 0; i < 8; i++) h[2 + i] = (unsigned long long)n >> (56 - 8 * i); hl = 10; }
  put(&c->out, h, hl); put(&c->out, d, n); mark(c);
}
static void drop(Conn *c) {
  for (int r = 0; r < nrooms; r++)
    for (int i = 0; i < rooms[r].count; i++)
      if (rooms[r].members[i] == c->fd) rooms[r].members[i--] = rooms[r].members[--rooms[r].count];
  close(c->fd); c->fd = -1;
}
static int findRoom(const char *name, size_t n, int create) {
  for (int r = 0; r < nrooms; r++) if (strlen(rooms[r].name) == n && !memcmp(rooms[r].name, name, n)) return r;
  if (!create || nrooms == 64 || n >= 64) return -1;
  memcpy(rooms[nrooms].name, name, n); rooms[nrooms].name[n] = 0; return nrooms++;
}
// Value of "key":"..." (string) in a flat scan; returns length or -1.
static int str(const char *j, size_t n, const char *key, const char **v) {
  const char *k = memmem(j, n, key, strlen(key)); if (!k) return -1;
  const char *s = k + strlen(key), *e = memchr(s, '"', j + n - s); if (!e) return -1;
  *v = s; return e - s;
}
static void message(Conn *c, char *j, size_t n) {
  const char *type, *room; int tl = str(j, n, "\"type\":\"", &type);
  if (tl < 0) return;
  if (tl == 4 && !memcmp(type, "echo", 4)) { frame(c, 1, j, n); return; }
  int rl = str(j, n, "\"room\":\"", &room); if (rl < 0) return;
  if (tl == 4 && !memcmp(type, "join", 4)) {
    int r = findRoom(room, rl, 1); if (r < 0) return; Room *R = &rooms[r];
    if (R->count == R->cap) { R->cap = R->cap ? 2 * R->cap : 64; R->members = realloc(R->members, R->cap * sizeof(int)); }
    R->members[R->count++] = c->fd; return;
  }
  if (tl == 7 && !memcmp(type, "publish", 7)) {
    int r = findRoom(room, rl, 0); const char *d = memmem(j, n, "\"data\":", 7); if (r < 0 || !d) return;
    static Buf out; out.len = 0;  // encode once: {"type":"message","room":R,"data":D}
    put(&out, "{\"type\":\"message\",\"room\":\"", 26); put(&out, room, rl); put(&out, "\",", 2);
    put(&out, d, j + n - d);
    for (int i = 0; i < rooms[r].count; i++) frame(conns[rooms[r].members[i]], 1, out.p, out.len);
  }
}
static void upgrade(Conn *c) {
  char *end = memmem(c->in.p, c->in.len, "\r\n\r\n", 4); if (!end) return;
  const char *key = memmem(c->in.p, end - c->in.p, "Sec-WebSocket-Key: ", 19), *kend = NULL;
  if (key) { key += 19; kend = memchr(key, '\r', end + 2 - key); }
  int kl = kend ? kend - key : 0;
  char text[128]; unsigned char md[20], acc[64]; unsigned int ml;
  snprintf(text, sizeof text, "%.*s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", kl, key);
  EVP_Digest(text, strlen(text), md, &ml, EVP_sha1(), NULL); EVP_EncodeBlock(acc, md, 20);
  char resp[256]; int rn = snprintf(resp, sizeof resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", acc);
  put(&c->out, resp, rn); mark(c); c->upgraded = 1;
  size_t used = end + 4 - c->in.p; memmove(c->in.p, c->in.p + used, c->in.len - used); c->in.len -= used;
}
static void frames(Conn *c) {
  size_t pos = 0; unsigned char *p = (unsigned char *)c->in.p;
  while (c->in.len - pos >= 6) {
    unsigned char *f = p + pos; unsigned long long n = f[1] & 127; size_t h = 2;
    if (n == 126) { if (c->in.len - pos < 8) break; n = f[2] << 8 | f[3]; h = 4; }
    else if (n == 127) { if (c->in.len - pos < 14) break; n = 0; for (int i = 0; i < 8; i++) n = n << 8 | f[2 + i]; h = 10; }
    if (c->in.len - pos < h + 4 + n) break;
    unsigned char *m = f + h, *d = f + h + 4;
    for (unsigned long long i = 0; i < n; i++) d[i] ^= m[i & 3];
    int op = f[0] & 15; pos += h + 4 + n;
    if (op == 1 || op == 2) message(c, (char *)d, n);
    else if (op == 9) frame(c, 10, (char *)d, n);
    else if (op == 8) { frame(c, 8, (char *)d, n < 2 ? n : 2); c->upgraded = 2; break; }
  }
  memmove(c->in.p, c->in.p + pos, c->in.len - pos); c->in.len -= pos;
}
int main(int argc, char **argv) {
  int port = 19009;
  for (int i = 1; i + 1 < argc; i++) if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
  struct rlimit rl; getrlimit(RLIMIT_NOFILE, &rl); rl.rlim_cur = rl.rlim_max; setrlimit(RLIMIT_NOFILE, &rl);
  signal(SIGPIPE, SIG_IGN);
  conns = calloc(rl.rlim_cur + 1, sizeof *conns); dirty = calloc(rl.rlim_cur + 1, sizeof *dirty);
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 4096)) { perror("listen"); return 1; }
  int ep = epoll_create1(0); struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls}, evs[1024];
  epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
  printf("{\"peer\":\"floodpeer\",\"pid\":%d,\"port\":%d}\n", getpid(), port); fflush(stdout);
  static char buf[1 << 18];
  for (;;) {
    int n = epoll_wait(ep, evs, 1024, -1);
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      if (fd == ls) {
        int c; while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          conns[c] = calloc(1, sizeof(Conn)); conns[c]->fd = c; nconns++;
          struct epoll_event ce = {.events = EPOLLIN, .data.fd = c}; epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
        }
        continue;
      }
      Conn *c = conns[fd];
      if (evs[i].events & EPOLLOUT) mark(c);
      if (!(evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      ssize_t r = read(fd, buf, sizeof buf);
      if (r <= 0) { if (r < 0 && errno == EAGAIN) continue; drop(c); free(c->in.p); free(c->out.p); free(c); conns[fd] = NULL; continue; }
      put(&c->in, buf, r);
      if (!c->upgraded) upgrade(c);
      if (c->upgraded == 1) frames(c);
    }
    for (int i = 0; i < ndirty; i++) {  // one send per connection per iteration
      Conn *c = conns[dirty[i]]; if (!c) continue; c->dirty = 0;
      Buf *o = &c->out; ssize_t w = 0;
      while (o->off < o->len && (w = send(c->fd, o->p + o->off, o->len - o->off, MSG_NOSIGNAL)) > 0) o->off += w;
      if (o->off == o->len) o->off = o->len = 0;
      else if (o->off > o->len / 2) { memmove(o->p, o->p + o->off, o->len - o->off); o->len -= o->off; o->off = 0; }
      // What the socket does not take now waits for EPOLLOUT; nothing is dropped.
      struct epoll_event ce = {.events = EPOLLIN | (o->len ? EPOLLOUT : 0), .data.fd = c->fd};
      if (!!o->len != c->wantOut) { epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ce); c->wantOut = o->len > 0; }
      if (c->upgraded == 2 && !o->len) { int f = c->fd; drop(c); free(c->in.p); free(c->out.p); free(c); conns[f] = NULL; }
    }
    ndirty = 0;
  }
}
