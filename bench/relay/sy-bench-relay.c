/* sy-bench-relay.c — load generator comparing SOCKS5 proxies on loopback
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This is a measuring tool, not product code: plain POSIX sockets, one epoll
 * thread for the built-in source/sink server and blocking client threads.
 * Every proxy under test is driven through SOCKS5 (RFC 1928) with no
 * authentication to a server inside this process, so that the proxy is the
 * only thing that differs between the columns of the table.
 *
 * The proxies are started by bench/relay/run.sh and named on the command line
 * as NAME=HOST:PORT:PID; the first one is the subject, and the ratios compare
 * it with each of the others.
 */

#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROXIES     8
#define MAX_ROUNDS      15
#define MAX_TREE        256
#define REQUEST_SIZE    64      /* every session starts with one fixed-size request */
#define SMALL_RESPONSE  64
#define IO_BUFFER_SIZE  (256 * 1024)
#define MIB             (1024.0 * 1024.0)
/* Quiet time before a wake-up window, so that timers still running down
 * after the last session (a final statistics sample, say) are not counted
 * as idle wake-ups. */
#define IDLE_SETTLE_S   3.0

/* The request a client sends to the built-in server, padded to REQUEST_SIZE. */
enum
{
  CMD_DOWNLOAD = 'D',   /* server sends @arg bytes (0: until the client goes away) */
  CMD_UPLOAD   = 'U',   /* server reads and counts until EOF */
  CMD_SMALL    = 'S',   /* server answers @arg bytes and closes, as an HTTP/1.0 server would */
  CMD_HOLD     = 'H',   /* server keeps the connection open and idle until EOF */
};

typedef struct
{
  double download_mib_s;
  double upload_mib_s;
  double sessions_per_s;
  long   session_errors;
} RoundResult;

typedef struct
{
  long rss_kib;
  long pss_kib;
  int  processes;
  int  threads;
} MemSample;

typedef struct
{
  long voluntary;
  long involuntary;
} Switches;

typedef struct
{
  char        name[64];
  char        version[128];
  char        host[128];
  uint16_t    port;
  pid_t       pid;

  RoundResult rounds[MAX_ROUNDS];
  RoundResult median;

  MemSample   mem_idle;
  MemSample   mem_before_sessions;
  MemSample   mem_loaded;
  MemSample   mem_after;
  MemSample   mem_after_load;        /* after the throughput and rate runs */
  int         idle_sessions_open;
  long        idle_session_errors;
  Switches    wakeups_fresh;
  Switches    wakeups_after;
  char        first_error[256];
} Proxy;

static struct
{
  double      duration_s;
  double      rate_duration_s;
  double      idle_window_s;
  int         concurrency;
  int         idle_sessions;
  int         rounds;
  const char *json_path;
  Proxy       proxies[MAX_PROXIES];
  int         n_proxies;
  uint16_t    server_port;
  long        nofile;
  char        loadavg_start[64];
  char        loadavg_end[64];
} opt = {
  .duration_s = 5.0,
  .rate_duration_s = 5.0,
  .idle_window_s = 5.0,
  .concurrency = 32,
  .idle_sessions = 1000,
  .rounds = 3,
};

static atomic_int server_holding;
/* The client reads the upload count from here rather than over the wire: an
 * answer after EOF would need a proxy that forwards half-closes, and
 * microsocks does not. */
static atomic_ullong server_uploaded;
/* The REP field of the last failed SOCKS5 reply, for the error message. */
static __thread int last_socks_reply = -1;

/* ------------------------------------------------------------------ utilities */

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sleep_s (double seconds)
{
  struct timespec ts;

  ts.tv_sec = (time_t) seconds;
  ts.tv_nsec = (long) ((seconds - ts.tv_sec) * 1e9);
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

static void die (const char *format, ...) __attribute__ ((noreturn, format (printf, 1, 2)));
static void usage (void) __attribute__ ((noreturn));

static void
die (const char *format,
     ...)
{
  va_list args;

  va_start (args, format);
  fputs ("sy-bench-relay: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  exit (1);
}

static void
note_error (Proxy      *proxy,
            const char *what,
            int         err)
{
  /* Keep the first error only: it is usually the cause of the others. */
  if (proxy->first_error[0] != '\0')
    return;
  if (err == EPROTO && last_socks_reply > 0)
    snprintf (proxy->first_error, sizeof proxy->first_error, "%s: SOCKS5 reply 0x%02x",
              what, last_socks_reply);
  else
    snprintf (proxy->first_error, sizeof proxy->first_error, "%s: %s", what, strerror (err));
}

static bool
write_all (int         fd,
           const void *data,
           size_t      length)
{
  const uint8_t *p = data;

  while (length > 0)
    {
      ssize_t n = send (fd, p, length, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return false;
      p += n;
      length -= (size_t) n;
    }
  return true;
}

static bool
read_all (int     fd,
          void   *data,
          size_t  length)
{
  uint8_t *p = data;

  while (length > 0)
    {
      ssize_t n = recv (fd, p, length, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n == 0)
        errno = ECONNRESET;
      if (n <= 0)
        return false;
      p += n;
      length -= (size_t) n;
    }
  return true;
}

static bool
read_eof (int fd)
{
  uint8_t byte;
  ssize_t n;

  while ((n = recv (fd, &byte, 1, 0)) < 0 && errno == EINTR)
    ;
  if (n > 0)
    errno = EPROTO;
  return n == 0;
}

static void
raise_nofile (void)
{
  struct rlimit rl;

  /* 1,000 idle sessions need 2,000 descriptors here (both ends live in this
   * process), above the usual soft limit of 1,024. */
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
      getrlimit (RLIMIT_NOFILE, &rl);
      opt.nofile = (long) rl.rlim_cur;
    }
}

/* ------------------------------------------------------- source/sink server */

typedef struct
{
  int      fd;
  uint8_t  request[REQUEST_SIZE];
  size_t   request_len;
  int      cmd;
  uint64_t arg;
  uint64_t count;
} ServerConn;

static uint8_t server_out[IO_BUFFER_SIZE];
static uint8_t server_in[IO_BUFFER_SIZE];

static void
server_close (int         epfd,
              ServerConn *conn)
{
  epoll_ctl (epfd, EPOLL_CTL_DEL, conn->fd, NULL);
  close (conn->fd);
  if (conn->cmd == CMD_HOLD)
    atomic_fetch_sub (&server_holding, 1);
  free (conn);
}

static void
server_start_command (int         epfd,
                      ServerConn *conn)
{
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = conn };

  conn->cmd = conn->request[0];
  memcpy (&conn->arg, conn->request + 8, sizeof conn->arg);

  switch (conn->cmd)
    {
    case CMD_DOWNLOAD:
      ev.events = EPOLLOUT;
      epoll_ctl (epfd, EPOLL_CTL_MOD, conn->fd, &ev);
      break;
    case CMD_SMALL:
      /* The answer is small enough for the socket buffer of a fresh connection.
       * Closing first puts TIME_WAIT on the server's fixed port instead of on
       * ephemeral ports of the proxy: danted binds its outgoing sockets to
       * port 0 before connecting, and that bind fails once TIME_WAIT
       * sockets fill the ephemeral range. */
      if (conn->arg <= sizeof server_out)
        write_all (conn->fd, server_out, conn->arg);
      server_close (epfd, conn);
      break;
    case CMD_HOLD:
      atomic_fetch_add (&server_holding, 1);
      break;
    case CMD_UPLOAD:
      break;
    default:
      server_close (epfd, conn);
      break;
    }
}

static void
server_readable (int         epfd,
                 ServerConn *conn)
{
  ssize_t n;

  if (conn->request_len < REQUEST_SIZE)
    {
      n = recv (conn->fd, conn->request + conn->request_len,
                REQUEST_SIZE - conn->request_len, 0);
      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
      if (n <= 0)
        {
          server_close (epfd, conn);
          return;
        }
      conn->request_len += (size_t) n;
      if (conn->request_len == REQUEST_SIZE)
        server_start_command (epfd, conn);
      return;
    }

  n = recv (conn->fd, server_in, sizeof server_in, 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n > 0)
    {
      conn->count += (uint64_t) n;
      if (conn->cmd == CMD_UPLOAD)
        atomic_fetch_add (&server_uploaded, (unsigned long long) n);
      return;
    }
  server_close (epfd, conn);
}

static void
server_writable (int         epfd,
                 ServerConn *conn)
{
  /* Level-triggered: a bounded number of sends per wake-up keeps the loop fair. */
  for (int i = 0; i < 8; i++)
    {
      size_t chunk = sizeof server_out;
      ssize_t n;

      if (conn->arg > 0 && conn->arg - conn->count < chunk)
        chunk = (size_t) (conn->arg - conn->count);
      if (chunk == 0)
        {
          server_close (epfd, conn);
          return;
        }
      n = send (conn->fd, server_out, chunk, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
      if (n <= 0)
        {
          server_close (epfd, conn);
          return;
        }
      conn->count += (uint64_t) n;
    }
}

static void *
server_thread (void *data)
{
  int listen_fd = *(int *) data;
  int epfd = epoll_create1 (EPOLL_CLOEXEC);
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
  struct epoll_event events[256];

  if (epfd < 0)
    die ("epoll_create1: %s", strerror (errno));
  epoll_ctl (epfd, EPOLL_CTL_ADD, listen_fd, &ev);

  for (;;)
    {
      int n = epoll_wait (epfd, events, 256, -1);

      for (int i = 0; i < n; i++)
        {
          ServerConn *conn = events[i].data.ptr;

          if (conn == NULL)
            {
              int fd;

              while ((fd = accept4 (listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
                {
                  struct epoll_event cev = { .events = EPOLLIN };

                  conn = calloc (1, sizeof *conn);
                  conn->fd = fd;
                  cev.data.ptr = conn;
                  epoll_ctl (epfd, EPOLL_CTL_ADD, fd, &cev);
                }
              continue;
            }

          if (conn->cmd == CMD_DOWNLOAD)
            server_writable (epfd, conn);
          else
            server_readable (epfd, conn);
        }
    }
  return NULL;
}

static void
server_start (void)
{
  static int listen_fd;
  struct sockaddr_in sin = { .sin_family = AF_INET };
  socklen_t len = sizeof sin;
  int one = 1;
  pthread_t thread;

  for (size_t i = 0; i < sizeof server_out; i++)
    server_out[i] = (uint8_t) (i * 131 + (i >> 8));

  listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  setsockopt (listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (bind (listen_fd, (struct sockaddr *) &sin, sizeof sin) < 0
      || listen (listen_fd, 4096) < 0
      || getsockname (listen_fd, (struct sockaddr *) &sin, &len) < 0)
    die ("server socket: %s", strerror (errno));
  opt.server_port = ntohs (sin.sin_port);

  if (pthread_create (&thread, NULL, server_thread, &listen_fd) != 0)
    die ("pthread_create failed");
  pthread_detach (thread);
}

/* ------------------------------------------------------------ SOCKS5 client */

/* Connects through @proxy to the built-in server and sends the request.
 * Returns the socket, or -1 with errno set. */
static int
socks5_open (const Proxy *proxy,
             int          cmd,
             uint64_t     arg)
{
  struct sockaddr_in sin = { .sin_family = AF_INET };
  struct timeval tv = { .tv_sec = 15 };
  uint8_t buf[REQUEST_SIZE];
  uint8_t reply[262];
  size_t rest;
  int one = 1;
  int fd;
  int saved;

  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  /* A proxy that stops answering fails the session instead of hanging the run. */
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  sin.sin_port = htons (proxy->port);
  if (inet_pton (AF_INET, proxy->host, &sin.sin_addr) != 1)
    {
      errno = EINVAL;
      goto fail;
    }
  if (connect (fd, (struct sockaddr *) &sin, sizeof sin) < 0)
    goto fail;

  /* RFC 1928 §3: version 5, one method, "no authentication required". */
  if (!write_all (fd, "\x05\x01\x00", 3) || !read_all (fd, reply, 2))
    goto fail;
  if (reply[0] != 5 || reply[1] != 0)
    {
      errno = EPROTO;
      goto fail;
    }

  /* RFC 1928 §4: CONNECT to 127.0.0.1:server_port. */
  buf[0] = 5;
  buf[1] = 1;
  buf[2] = 0;
  buf[3] = 1;
  buf[4] = 127;
  buf[5] = 0;
  buf[6] = 0;
  buf[7] = 1;
  buf[8] = opt.server_port >> 8;
  buf[9] = opt.server_port & 0xff;
  if (!write_all (fd, buf, 10) || !read_all (fd, reply, 5))
    goto fail;
  if (reply[0] != 5 || reply[1] != 0)
    {
      last_socks_reply = reply[1];
      errno = EPROTO;
      goto fail;
    }
  /* §6: BND.ADDR of the reply is IPv4, IPv6 or a name. */
  switch (reply[3])
    {
    case 1:
      rest = 4 - 1 + 2;
      break;
    case 4:
      rest = 16 - 1 + 2;
      break;
    case 3:
      rest = reply[4] + 2;
      break;
    default:
      errno = EPROTO;
      goto fail;
    }
  if (!read_all (fd, reply, rest))
    goto fail;

  memset (buf, 0, sizeof buf);
  buf[0] = (uint8_t) cmd;
  memcpy (buf + 8, &arg, sizeof arg);
  if (!write_all (fd, buf, sizeof buf))
    goto fail;
  return fd;

fail:
  saved = errno;
  close (fd);
  errno = saved;
  return -1;
}

/* ------------------------------------------------------- a) throughput */

static double
measure_download (Proxy *proxy)
{
  static uint8_t buf[IO_BUFFER_SIZE];
  uint64_t total = 0;
  double start;
  double deadline;
  double end;
  int fd;

  fd = socks5_open (proxy, CMD_DOWNLOAD, 0);
  if (fd < 0)
    {
      note_error (proxy, "download", errno);
      return 0;
    }
  start = now_s ();
  deadline = start + opt.duration_s;
  for (;;)
    {
      ssize_t n = recv (fd, buf, sizeof buf, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          note_error (proxy, "download ended early", n == 0 ? ECONNRESET : errno);
          break;
        }
      total += (uint64_t) n;
      /* Reading the clock every 256 KiB costs nothing measurable. */
      if ((end = now_s ()) >= deadline)
        break;
    }
  end = now_s ();
  close (fd);
  return total / MIB / (end - start);
}

static double
measure_upload (Proxy *proxy)
{
  static uint8_t buf[IO_BUFFER_SIZE];
  uint64_t sent = 0;
  uint64_t received;
  uint64_t base;
  double start;
  double deadline;
  int fd;

  memset (buf, 0x5a, sizeof buf);
  base = atomic_load (&server_uploaded);
  fd = socks5_open (proxy, CMD_UPLOAD, 0);
  if (fd < 0)
    {
      note_error (proxy, "upload", errno);
      return 0;
    }
  start = now_s ();
  deadline = start + opt.duration_s;
  while (now_s () < deadline)
    {
      ssize_t n = send (fd, buf, sizeof buf, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          note_error (proxy, "upload send", errno);
          close (fd);
          return 0;
        }
      sent += (uint64_t) n;
    }

  /* The rate counts what reached the server, so bytes still sitting in the
   * proxy's buffers are waited for, not credited early. */
  deadline = now_s () + 15;
  while ((received = atomic_load (&server_uploaded) - base) < sent && now_s () < deadline)
    sleep_s (0.0005);
  close (fd);
  if (received != sent)
    {
      fprintf (stderr, "sy-bench-relay: %s lost upload bytes: sent %llu, server got %llu\n",
               proxy->name, (unsigned long long) sent, (unsigned long long) received);
      note_error (proxy, "upload byte count mismatch", EIO);
      return 0;
    }
  return received / MIB / (now_s () - start);
}

/* ---------------------------------------------------- b) connection rate */

typedef struct
{
  Proxy      *proxy;
  double      deadline;
  long        sessions;
  long        errors;
  int         first_errno;
} RateWorker;

static void *
rate_worker (void *data)
{
  RateWorker *w = data;
  uint8_t response[SMALL_RESPONSE];

  while (now_s () < w->deadline)
    {
      int fd = socks5_open (w->proxy, CMD_SMALL, SMALL_RESPONSE);

      /* The whole answer, then the server's EOF relayed by the proxy. */
      if (fd < 0 || !read_all (fd, response, sizeof response) || !read_eof (fd))
        {
          if (w->first_errno == 0)
            w->first_errno = errno;
          if (fd >= 0)
            close (fd);
          w->errors++;
          /* Do not spin on a proxy that refuses everything. */
          sleep_s (0.001);
          continue;
        }
      close (fd);
      if (now_s () <= w->deadline)
        w->sessions++;
    }
  return NULL;
}

static double
measure_rate (Proxy *proxy,
              long  *errors)
{
  RateWorker workers[256];
  pthread_t threads[256];
  int n = opt.concurrency;
  double deadline = now_s () + opt.rate_duration_s;
  long total = 0;

  *errors = 0;
  for (int i = 0; i < n; i++)
    {
      workers[i] = (RateWorker) { .proxy = proxy, .deadline = deadline };
      if (pthread_create (&threads[i], NULL, rate_worker, &workers[i]) != 0)
        die ("pthread_create failed");
    }
  for (int i = 0; i < n; i++)
    {
      pthread_join (threads[i], NULL);
      total += workers[i].sessions;
      *errors += workers[i].errors;
      if (workers[i].first_errno != 0)
        note_error (proxy, "short session", workers[i].first_errno);
    }
  return total / opt.rate_duration_s;
}

/* ------------------------------------------------ c) memory, d) wake-ups */

static bool
read_stat_ppid (pid_t  pid,
                pid_t *ppid)
{
  char path[64];
  char line[1024];
  char *close_paren;
  FILE *f;
  bool ok = false;

  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  f = fopen (path, "re");
  if (f == NULL)
    return false;
  if (fgets (line, sizeof line, f) != NULL
      && (close_paren = strrchr (line, ')')) != NULL)
    {
      int parent;

      /* "pid (comm) state ppid …"; comm may hold spaces and parentheses. */
      if (sscanf (close_paren + 1, " %*c %d", &parent) == 1)
        {
          *ppid = parent;
          ok = true;
        }
    }
  fclose (f);
  return ok;
}

/* The proxy and all its descendants: danted forks negotiate, request and
 * I/O children, and their memory is part of its cost. */
static int
process_tree (pid_t  root,
              pid_t *tree)
{
  pid_t pids[8192];
  pid_t parents[8192];
  int n_all = 0;
  int n = 0;
  DIR *dir = opendir ("/proc");
  struct dirent *de;

  if (dir == NULL)
    return 0;
  while ((de = readdir (dir)) != NULL && n_all < 8192)
    {
      char *end;
      long pid = strtol (de->d_name, &end, 10);
      pid_t ppid;

      if (*end != '\0' || pid <= 0)
        continue;
      if (read_stat_ppid ((pid_t) pid, &ppid))
        {
          pids[n_all] = (pid_t) pid;
          parents[n_all] = ppid;
          n_all++;
        }
    }
  closedir (dir);

  tree[n++] = root;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n_all && n < MAX_TREE; j++)
      if (parents[j] == tree[i])
        tree[n++] = pids[j];
  return n;
}

static long
read_kib_field (const char *path,
                const char *field)
{
  char line[256];
  size_t len = strlen (field);
  long value = -1;
  FILE *f = fopen (path, "re");

  if (f == NULL)
    return -1;
  while (fgets (line, sizeof line, f) != NULL)
    if (strncmp (line, field, len) == 0 && line[len] == ':')
      {
        value = strtol (line + len + 1, NULL, 10);
        break;
      }
  fclose (f);
  return value;
}

static MemSample
sample_memory (const Proxy *proxy)
{
  pid_t tree[MAX_TREE];
  int n = process_tree (proxy->pid, tree);
  MemSample s = { 0 };

  for (int i = 0; i < n; i++)
    {
      char path[64];
      long v;

      snprintf (path, sizeof path, "/proc/%d/status", (int) tree[i]);
      if ((v = read_kib_field (path, "VmRSS")) >= 0)
        s.rss_kib += v;
      if ((v = read_kib_field (path, "Threads")) >= 0)
        s.threads += (int) v;
      snprintf (path, sizeof path, "/proc/%d/smaps_rollup", (int) tree[i]);
      if ((v = read_kib_field (path, "Pss")) >= 0)
        s.pss_kib += v;
      s.processes++;
    }
  return s;
}

/* Context switches of every thread of every process of the tree: the
 * per-process status file only counts the main thread. */
static Switches
sample_switches (const Proxy *proxy)
{
  pid_t tree[MAX_TREE];
  int n = process_tree (proxy->pid, tree);
  Switches s = { 0 };

  for (int i = 0; i < n; i++)
    {
      char path[64];
      DIR *dir;
      struct dirent *de;

      snprintf (path, sizeof path, "/proc/%d/task", (int) tree[i]);
      if ((dir = opendir (path)) == NULL)
        continue;
      while ((de = readdir (dir)) != NULL)
        {
          char status[300];
          long v;

          if (de->d_name[0] == '.')
            continue;
          snprintf (status, sizeof status, "/proc/%d/task/%s/status", (int) tree[i], de->d_name);
          if ((v = read_kib_field (status, "voluntary_ctxt_switches")) >= 0)
            s.voluntary += v;
          if ((v = read_kib_field (status, "nonvoluntary_ctxt_switches")) >= 0)
            s.involuntary += v;
        }
      closedir (dir);
    }
  return s;
}

static void
measure_wakeups (bool fresh)
{
  Switches before[MAX_PROXIES];

  sleep_s (IDLE_SETTLE_S);
  for (int i = 0; i < opt.n_proxies; i++)
    before[i] = sample_switches (&opt.proxies[i]);
  sleep_s (opt.idle_window_s);
  for (int i = 0; i < opt.n_proxies; i++)
    {
      Switches after = sample_switches (&opt.proxies[i]);
      Switches *out = fresh ? &opt.proxies[i].wakeups_fresh : &opt.proxies[i].wakeups_after;

      out->voluntary = after.voluntary - before[i].voluntary;
      out->involuntary = after.involuntary - before[i].involuntary;
    }
}

static bool
wait_holding (int    expected,
              double timeout_s)
{
  double deadline = now_s () + timeout_s;

  while (atomic_load (&server_holding) != expected)
    {
      if (now_s () > deadline)
        return false;
      sleep_s (0.01);
    }
  return true;
}

static void
measure_idle_sessions (Proxy *proxy)
{
  int *fds = calloc ((size_t) opt.idle_sessions, sizeof *fds);
  int open_count = 0;

  /* Runs on a fresh proxy, before the throughput and rate runs: what those
   * leave behind (buffers, a grown heap) would be reused here and hide the
   * cost of a session. */
  proxy->mem_before_sessions = sample_memory (proxy);

  for (int i = 0; i < opt.idle_sessions; i++)
    {
      int fd = socks5_open (proxy, CMD_HOLD, 0);

      if (fd < 0)
        {
          note_error (proxy, "idle session", errno);
          proxy->idle_session_errors++;
          continue;
        }
      fds[open_count++] = fd;
    }
  proxy->idle_sessions_open = open_count;

  /* Measure only once every session reached the server end to end. */
  if (!wait_holding (open_count, 10))
    fprintf (stderr, "sy-bench-relay: %s: only %d of %d sessions reached the server\n",
             proxy->name, atomic_load (&server_holding), open_count);
  sleep_s (1);
  proxy->mem_loaded = sample_memory (proxy);

  for (int i = 0; i < open_count; i++)
    close (fds[i]);
  free (fds);
  if (!wait_holding (0, 30))
    fprintf (stderr, "sy-bench-relay: %s: %d sessions still open at the server after closing\n",
             proxy->name, atomic_load (&server_holding));
  sleep_s (1);
  proxy->mem_after = sample_memory (proxy);
}

/* ------------------------------------------------------------- reporting */

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median_of (const Proxy *proxy,
           size_t       offset)
{
  double values[MAX_ROUNDS];
  int n = opt.rounds;

  for (int r = 0; r < n; r++)
    memcpy (&values[r], (const char *) &proxy->rounds[r] + offset, sizeof values[r]);
  qsort (values, (size_t) n, sizeof values[0], compare_double);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static double
ratio (double a,
       double b)
{
  return b > 0 ? a / b : 0;
}

typedef struct
{
  const char *key;
  const char *label;
  bool        higher_is_better;
  double    (*get) (const Proxy *proxy);
} Metric;

static double get_download (const Proxy *p) { return p->median.download_mib_s; }
static double get_upload (const Proxy *p) { return p->median.upload_mib_s; }
static double get_rate (const Proxy *p) { return p->median.sessions_per_s; }
static double get_rss_idle (const Proxy *p) { return p->mem_idle.rss_kib; }
static double get_pss_idle (const Proxy *p) { return p->mem_idle.pss_kib; }
static double get_rss_after_load (const Proxy *p) { return p->mem_after_load.rss_kib; }
static double get_rss_loaded (const Proxy *p) { return p->mem_loaded.rss_kib; }
static double
get_rss_per_session (const Proxy *p)
{
  return p->idle_sessions_open > 0
    ? (double) (p->mem_loaded.rss_kib - p->mem_before_sessions.rss_kib) / p->idle_sessions_open
    : 0;
}
static double get_pss_loaded (const Proxy *p) { return p->mem_loaded.pss_kib; }
static double get_rss_after (const Proxy *p) { return p->mem_after.rss_kib; }
static double get_wake_fresh (const Proxy *p) { return p->wakeups_fresh.voluntary; }
static double get_wake_after (const Proxy *p) { return p->wakeups_after.voluntary; }

static const Metric metrics[] = {
  { "download_mib_s", "download, 1 stream (MiB/s)", true, get_download },
  { "upload_mib_s", "upload, 1 stream (MiB/s)", true, get_upload },
  { "sessions_per_s", "short sessions (sessions/s)", true, get_rate },
  { "idle_rss_kib", "RSS idle (KiB)", false, get_rss_idle },
  { "idle_pss_kib", "PSS idle (KiB)", false, get_pss_idle },
  { "loaded_rss_kib", "RSS, idle sessions open (KiB)", false, get_rss_loaded },
  { "loaded_pss_kib", "PSS, idle sessions open (KiB)", false, get_pss_loaded },
  { "rss_per_session_kib", "RSS per idle session (KiB)", false, get_rss_per_session },
  { "after_rss_kib", "RSS after they closed (KiB)", false, get_rss_after },
  { "after_load_rss_kib", "RSS after the load runs (KiB)", false, get_rss_after_load },
  { "idle_wakeups_fresh", "voluntary ctx switches idle, fresh", false, get_wake_fresh },
  { "idle_wakeups_after", "voluntary ctx switches idle, after load", false, get_wake_after },
};

static void
print_table (void)
{
  const Proxy *subject = &opt.proxies[0];

  printf ("\n%-40s", "metric (median of rounds)");
  for (int i = 0; i < opt.n_proxies; i++)
    printf (" %14s", opt.proxies[i].name);
  for (int i = 1; i < opt.n_proxies; i++)
    {
      /* " /name", right-aligned in the 12-wide ratio column */
      size_t length = strlen (opt.proxies[i].name);
      int shown = length < 11 ? (int) length : 11;

      printf (" %*s/%.*s", 11 - shown, "", shown, opt.proxies[i].name);
    }
  printf ("\n");

  for (size_t m = 0; m < sizeof metrics / sizeof metrics[0]; m++)
    {
      printf ("%-40s", metrics[m].label);
      for (int i = 0; i < opt.n_proxies; i++)
        printf (" %14.1f", metrics[m].get (&opt.proxies[i]));
      for (int i = 1; i < opt.n_proxies; i++)
        printf (" %11.2fx", ratio (metrics[m].get (subject), metrics[m].get (&opt.proxies[i])));
      printf ("\n");
    }

  printf ("%-40s", "idle sessions held open");
  for (int i = 0; i < opt.n_proxies; i++)
    printf (" %9d/%-4d", opt.proxies[i].idle_sessions_open, opt.idle_sessions);
  printf ("\n%-40s", "processes / threads, sessions open");
  for (int i = 0; i < opt.n_proxies; i++)
    {
      char cell[32];

      snprintf (cell, sizeof cell, "%d/%d", opt.proxies[i].mem_loaded.processes,
                opt.proxies[i].mem_loaded.threads);
      printf (" %14s", cell);
    }
  printf ("\n%-40s", "failed short sessions (all rounds)");
  for (int i = 0; i < opt.n_proxies; i++)
    {
      long errors = 0;

      for (int r = 0; r < opt.rounds; r++)
        errors += opt.proxies[i].rounds[r].session_errors;
      printf (" %14ld", errors);
    }
  printf ("\n\nper round (download / upload MiB/s, sessions/s):\n");
  for (int i = 0; i < opt.n_proxies; i++)
    {
      printf ("  %-12s", opt.proxies[i].name);
      for (int r = 0; r < opt.rounds; r++)
        printf ("  [%.0f / %.0f / %.0f]", opt.proxies[i].rounds[r].download_mib_s,
                opt.proxies[i].rounds[r].upload_mib_s, opt.proxies[i].rounds[r].sessions_per_s);
      printf ("\n");
    }
  for (int i = 0; i < opt.n_proxies; i++)
    if (opt.proxies[i].first_error[0] != '\0')
      printf ("  %s: first error: %s\n", opt.proxies[i].name, opt.proxies[i].first_error);
  printf ("\nratios are %s/other; for RSS, PSS and switches lower is better.\n", subject->name);
  printf ("RSS/PSS and switches sum every process and thread of the proxy's process tree.\n");
  printf ("load average (1/5/15 min) at start: %s, at end: %s\n", opt.loadavg_start,
          opt.loadavg_end);
}

static void
json_string (FILE       *f,
             const char *s)
{
  fputc ('"', f);
  for (; *s; s++)
    {
      if (*s == '"' || *s == '\\')
        fprintf (f, "\\%c", *s);
      else if ((unsigned char) *s < 0x20)
        fprintf (f, "\\u%04x", *s);
      else
        fputc (*s, f);
    }
  fputc ('"', f);
}

/* The 1, 5 and 15 minute load averages: figures taken on a busy machine
 * say so in their own record. */
static void
read_loadavg (char   *out,
              size_t  out_len)
{
  FILE *f = fopen ("/proc/loadavg", "re");
  double a = 0, b = 0, c = 0;

  snprintf (out, out_len, "unknown");
  if (f == NULL)
    return;
  if (fscanf (f, "%lf %lf %lf", &a, &b, &c) == 3)
    snprintf (out, out_len, "%.2f %.2f %.2f", a, b, c);
  fclose (f);
}

static void
machine_description (char  *cpu,
                     size_t cpu_len,
                     long  *mem_kib,
                     char  *kernel,
                     size_t kernel_len)
{
  char line[512];
  struct utsname uts;
  FILE *f = fopen ("/proc/cpuinfo", "re");

  snprintf (cpu, cpu_len, "unknown");
  if (f != NULL)
    {
      while (fgets (line, sizeof line, f) != NULL)
        if (strncmp (line, "model name", 10) == 0 && strchr (line, ':') != NULL)
          {
            snprintf (cpu, cpu_len, "%s", strchr (line, ':') + 2);
            cpu[strcspn (cpu, "\n")] = '\0';
            break;
          }
      fclose (f);
    }
  *mem_kib = read_kib_field ("/proc/meminfo", "MemTotal");
  if (uname (&uts) == 0)
    snprintf (kernel, kernel_len, "%s %s %s", uts.sysname, uts.release, uts.machine);
  else
    snprintf (kernel, kernel_len, "unknown");
}

static void
write_json (const char *path)
{
  FILE *f = fopen (path, "we");
  char cpu[256];
  char kernel[256];
  long mem_kib;

  if (f == NULL)
    die ("cannot write %s: %s", path, strerror (errno));
  machine_description (cpu, sizeof cpu, &mem_kib, kernel, sizeof kernel);

  fprintf (f, "{\n  \"machine\": {\"cpu\": ");
  json_string (f, cpu);
  fprintf (f, ", \"online_cpus\": %ld, \"mem_total_kib\": %ld, \"kernel\": ",
           sysconf (_SC_NPROCESSORS_ONLN), mem_kib);
  json_string (f, kernel);
  fprintf (f, ", \"loadavg_start\": ");
  json_string (f, opt.loadavg_start);
  fprintf (f, ", \"loadavg_end\": ");
  json_string (f, opt.loadavg_end);
  fprintf (f, "},\n");
  fprintf (f, "  \"parameters\": {\"duration_s\": %.1f, \"rate_duration_s\": %.1f, "
              "\"idle_window_s\": %.1f, \"idle_settle_s\": %.1f, \"concurrency\": %d, "
              "\"idle_sessions\": %d, \"rounds\": %d, \"bench_nofile\": %ld},\n",
           opt.duration_s, opt.rate_duration_s, opt.idle_window_s, IDLE_SETTLE_S,
           opt.concurrency, opt.idle_sessions, opt.rounds, opt.nofile);

  fprintf (f, "  \"proxies\": {\n");
  for (int i = 0; i < opt.n_proxies; i++)
    {
      const Proxy *p = &opt.proxies[i];

      fprintf (f, "    ");
      json_string (f, p->name);
      fprintf (f, ": {\n      \"version\": ");
      json_string (f, p->version);
      fprintf (f, ",\n");
      for (size_t m = 0; m < sizeof metrics / sizeof metrics[0]; m++)
        fprintf (f, "      \"%s\": %.1f,\n", metrics[m].key, metrics[m].get (p));
      fprintf (f, "      \"idle_wakeups_fresh_involuntary\": %ld,\n", p->wakeups_fresh.involuntary);
      fprintf (f, "      \"idle_wakeups_after_involuntary\": %ld,\n", p->wakeups_after.involuntary);
      fprintf (f, "      \"idle_sessions_open\": %d,\n", p->idle_sessions_open);
      fprintf (f, "      \"idle_session_errors\": %ld,\n", p->idle_session_errors);
      fprintf (f, "      \"processes_loaded\": %d,\n", p->mem_loaded.processes);
      fprintf (f, "      \"threads_loaded\": %d,\n", p->mem_loaded.threads);
      fprintf (f, "      \"first_error\": ");
      json_string (f, p->first_error);
      fprintf (f, ",\n      \"rounds\": [");
      for (int r = 0; r < opt.rounds; r++)
        fprintf (f, "%s{\"download_mib_s\": %.1f, \"upload_mib_s\": %.1f, "
                    "\"sessions_per_s\": %.1f, \"session_errors\": %ld}",
                 r ? ", " : "", p->rounds[r].download_mib_s, p->rounds[r].upload_mib_s,
                 p->rounds[r].sessions_per_s, p->rounds[r].session_errors);
      fprintf (f, "]\n    }%s\n", i + 1 < opt.n_proxies ? "," : "");
    }
  fprintf (f, "  },\n  \"ratios\": {\n");
  for (int i = 1; i < opt.n_proxies; i++)
    {
      fprintf (f, "    \"%s/%s\": {", opt.proxies[0].name, opt.proxies[i].name);
      for (size_t m = 0; m < sizeof metrics / sizeof metrics[0]; m++)
        fprintf (f, "%s\"%s\": %.3f", m ? ", " : "", metrics[m].key,
                 ratio (metrics[m].get (&opt.proxies[0]), metrics[m].get (&opt.proxies[i])));
      fprintf (f, "}%s\n", i + 1 < opt.n_proxies ? "," : "");
    }
  fprintf (f, "  }\n}\n");
  fclose (f);
}

/* ------------------------------------------------------------------- main */

static void
parse_proxy (const char *arg)
{
  Proxy *p;
  const char *eq = strchr (arg, '=');
  char rest[128];
  char *port;
  char *pid;

  if (opt.n_proxies == MAX_PROXIES)
    die ("too many proxies");
  if (eq == NULL || eq == arg || (size_t) (eq - arg) >= sizeof p->name)
    die ("proxy '%s' is not NAME=HOST:PORT:PID", arg);
  p = &opt.proxies[opt.n_proxies++];
  memcpy (p->name, arg, (size_t) (eq - arg));
  snprintf (rest, sizeof rest, "%s", eq + 1);
  if ((pid = strrchr (rest, ':')) == NULL)
    die ("proxy '%s' is not NAME=HOST:PORT:PID", arg);
  *pid++ = '\0';
  if ((port = strrchr (rest, ':')) == NULL)
    die ("proxy '%s' is not NAME=HOST:PORT:PID", arg);
  *port++ = '\0';
  snprintf (p->host, sizeof p->host, "%s", rest);
  p->port = (uint16_t) atoi (port);
  p->pid = (pid_t) atoi (pid);
  if (p->port == 0 || p->pid <= 0)
    die ("proxy '%s' is not NAME=HOST:PORT:PID", arg);
}

static void
parse_version (const char *arg)
{
  const char *eq = strchr (arg, '=');

  if (eq == NULL)
    die ("--version takes NAME=TEXT");
  for (int i = 0; i < opt.n_proxies; i++)
    if (strlen (opt.proxies[i].name) == (size_t) (eq - arg)
        && strncmp (opt.proxies[i].name, arg, (size_t) (eq - arg)) == 0)
      snprintf (opt.proxies[i].version, sizeof opt.proxies[i].version, "%s", eq + 1);
}

/* For run.sh: ports the kernel hands out now. Another program may take one
 * before the proxy binds it; run.sh then fails loudly and can be rerun. */
static void
print_free_ports (int n)
{
  int fds[64];

  if (n < 1 || n > 64)
    usage ();
  for (int i = 0; i < n; i++)
    {
      struct sockaddr_in sin = { .sin_family = AF_INET };
      socklen_t len = sizeof sin;

      sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      fds[i] = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fds[i] < 0
          || bind (fds[i], (struct sockaddr *) &sin, sizeof sin) < 0
          || getsockname (fds[i], (struct sockaddr *) &sin, &len) < 0)
        die ("free port: %s", strerror (errno));
      printf ("%u\n", ntohs (sin.sin_port));
    }
  for (int i = 0; i < n; i++)
    close (fds[i]);
}

static void
usage (void)
{
  fprintf (stderr,
           "usage: sy-bench-relay [OPTION…] NAME=HOST:PORT:PID…\n"
           "  --duration S       each throughput transfer (default 5)\n"
           "  --rate-duration S  each connection-rate run (default 5)\n"
           "  --idle-window S    wake-up counting window (default 5)\n"
           "  --concurrency N    short-session workers (default 32)\n"
           "  --idle-sessions N  sessions held open for the loaded RSS (default 1000)\n"
           "  --rounds N         throughput/rate rounds, median reported (default 3)\n"
           "  --version N=TEXT   version string recorded for proxy N\n"
           "  --json FILE        also write the results as JSON\n"
           "  --free-ports N     print N free loopback TCP ports and exit\n"
           "The first proxy is the subject of the ratios.\n");
  exit (2);
}

int
main (int    argc,
      char **argv)
{
  static const struct option long_options[] = {
    { "duration", required_argument, NULL, 'd' },
    { "rate-duration", required_argument, NULL, 'r' },
    { "idle-window", required_argument, NULL, 'w' },
    { "concurrency", required_argument, NULL, 'c' },
    { "idle-sessions", required_argument, NULL, 'i' },
    { "rounds", required_argument, NULL, 'n' },
    { "version", required_argument, NULL, 'v' },
    { "json", required_argument, NULL, 'j' },
    { "free-ports", required_argument, NULL, 'p' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *versions[MAX_PROXIES * 2];
  int n_versions = 0;
  int c;

  while ((c = getopt_long (argc, argv, "h", long_options, NULL)) != -1)
    switch (c)
      {
      case 'd': opt.duration_s = atof (optarg); break;
      case 'r': opt.rate_duration_s = atof (optarg); break;
      case 'w': opt.idle_window_s = atof (optarg); break;
      case 'c': opt.concurrency = atoi (optarg); break;
      case 'i': opt.idle_sessions = atoi (optarg); break;
      case 'n': opt.rounds = atoi (optarg); break;
      case 'j': opt.json_path = optarg; break;
      case 'p': print_free_ports (atoi (optarg)); return 0;
      case 'v':
        if (n_versions < MAX_PROXIES * 2)
          versions[n_versions++] = optarg;
        break;
      case 'h':
      default:
        usage ();
      }
  for (int i = optind; i < argc; i++)
    parse_proxy (argv[i]);
  for (int i = 0; i < n_versions; i++)
    parse_version (versions[i]);
  if (opt.n_proxies == 0 || opt.rounds < 1 || opt.rounds > MAX_ROUNDS
      || opt.concurrency < 1 || opt.concurrency > 256 || opt.idle_sessions < 0
      || opt.duration_s <= 0 || opt.rate_duration_s <= 0)
    usage ();

  signal (SIGPIPE, SIG_IGN);
  raise_nofile ();
  if (opt.nofile < 2L * opt.idle_sessions + 64)
    die ("RLIMIT_NOFILE is %ld; %d idle sessions need %d", opt.nofile, opt.idle_sessions,
         2 * opt.idle_sessions + 64);
  server_start ();
  read_loadavg (opt.loadavg_start, sizeof opt.loadavg_start);

  /* One short session through each proxy first, so a broken set-up fails
   * loudly instead of producing a table of zeros. */
  for (int i = 0; i < opt.n_proxies; i++)
    {
      uint8_t response[SMALL_RESPONSE];
      int fd = socks5_open (&opt.proxies[i], CMD_SMALL, SMALL_RESPONSE);

      if (fd < 0 || !read_all (fd, response, sizeof response))
        die ("%s at %s:%u does not relay: %s", opt.proxies[i].name, opt.proxies[i].host,
             opt.proxies[i].port, strerror (errno));
      close (fd);
    }
  sleep_s (1);

  fprintf (stderr, "idle: memory, then %.0f s of wake-ups after %.0f s of quiet…\n",
           opt.idle_window_s, IDLE_SETTLE_S);
  for (int i = 0; i < opt.n_proxies; i++)
    opt.proxies[i].mem_idle = sample_memory (&opt.proxies[i]);
  measure_wakeups (true);

  for (int i = 0; i < opt.n_proxies; i++)
    {
      fprintf (stderr, "%s: %d idle sessions…\n", opt.proxies[i].name, opt.idle_sessions);
      measure_idle_sessions (&opt.proxies[i]);
    }

  /* Rounds go through every proxy in turn so that drift of the machine
   * (thermal, other load) spreads over all columns alike. */
  for (int r = 0; r < opt.rounds; r++)
    for (int i = 0; i < opt.n_proxies; i++)
      {
        Proxy *p = &opt.proxies[i];

        fprintf (stderr, "round %d/%d: %s: download…", r + 1, opt.rounds, p->name);
        p->rounds[r].download_mib_s = measure_download (p);
        fprintf (stderr, " %.0f MiB/s, upload…", p->rounds[r].download_mib_s);
        p->rounds[r].upload_mib_s = measure_upload (p);
        fprintf (stderr, " %.0f MiB/s, short sessions…", p->rounds[r].upload_mib_s);
        p->rounds[r].sessions_per_s = measure_rate (p, &p->rounds[r].session_errors);
        fprintf (stderr, " %.0f/s (%ld failed)\n", p->rounds[r].sessions_per_s,
                 p->rounds[r].session_errors);
      }
  for (int i = 0; i < opt.n_proxies; i++)
    {
      Proxy *p = &opt.proxies[i];

      p->median.download_mib_s = median_of (p, offsetof (RoundResult, download_mib_s));
      p->median.upload_mib_s = median_of (p, offsetof (RoundResult, upload_mib_s));
      p->median.sessions_per_s = median_of (p, offsetof (RoundResult, sessions_per_s));
    }

  sleep_s (1);
  for (int i = 0; i < opt.n_proxies; i++)
    opt.proxies[i].mem_after_load = sample_memory (&opt.proxies[i]);

  fprintf (stderr, "idle after load: %.0f s of wake-ups after %.0f s of quiet…\n",
           opt.idle_window_s, IDLE_SETTLE_S);
  measure_wakeups (false);
  read_loadavg (opt.loadavg_end, sizeof opt.loadavg_end);

  print_table ();
  if (opt.json_path != NULL)
    write_json (opt.json_path);
  return 0;
}
