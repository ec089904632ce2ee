/* test-netstack-tun.c — SyNetstack against the kernel's TCP/IP stack over a TUN device
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The strongest test of the netstack short of WireGuard: the process moves
 * into a network namespace of its own, opens a TUN device and gives its
 * kernel side 10.66.0.1/24 and fd66::1/64; a SyNetstack with 10.66.0.2 and
 * fd66::2 writes its packets to the TUN device and reads the kernel's from
 * it. Every peer on the far side is the real Linux stack: sockets in a
 * thread (blocking, for the bulk transfers) or on the main loop (DNS, UDP).
 *
 *   lwIP (main loop) ── SyNetstack ── TUN fd ══ kernel 10.66.0.1 / fd66::1
 *
 * Needs root. Skips without it, unless CI is set; then it fails.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"

#include "netstack/sy-lwip-core.h"
#include "netstack/sy-netstack.h"
#include "netstack/sy-netstack-tcp-stream.h"
#include "relay/sy-relay.h"
#include "session/sy-session.h"
#include "wireguard/sy-wg-prefix.h"

#include "netstack-test-util.h"

#define TUN_NAME     "sytun0"
#define KERNEL_V4    "10.66.0.1"
#define KERNEL_V6    "fd66::1"
#define NETSTACK_V4  "10.66.0.2"
#define NETSTACK_V6  "fd66::2"
#define NOBODY_V4    "10.66.0.99"   /* on the link, nobody answers */
#define TUN_MTU      1420

#define BULK_SIZE         (64 * 1024 * 1024)
#define BACKPRESSURE_SIZE (32 * 1024 * 1024)

static struct
{
  gboolean    ready;
  char       *failure;
  int         fd;
  SyNetstack *netstack;
  guint64     packets_in;
  guint64     packets_out;
} tun = { .fd = -1 };

static gboolean
tun_ready (void)
{
  if (tun.ready)
    return TRUE;

  if (g_getenv ("CI") != NULL)
    g_test_fail_printf ("%s (CI is set: failing instead of skipping)", tun.failure);
  else
    g_test_skip_printf ("%s", tun.failure);
  return FALSE;
}

/* Namespace and TUN device -------------------------------------------------- */

static gboolean
run_ip (GError **error,
        ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  int status;
  va_list args;
  const char *arg;

  g_ptr_array_add (argv, (gpointer) "ip");
  va_start (args, error);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     NULL, &err, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, error))
    {
      g_prefix_error (error, "ip %s: %s: ", (const char *) argv->pdata[1], g_strstrip (err));
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_sysctl (const char  *path,
              const char  *value,
              GError     **error)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  gssize length = strlen (value);

  if (fd < 0 || write (fd, value, length) != length)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "%s: %s", path, g_strerror (errsv));
      if (fd >= 0)
        close (fd);
      return FALSE;
    }
  close (fd);
  return TRUE;
}

static gboolean
tun_output_cb (const guint8 *packet,
               gsize         length,
               gpointer      user_data)
{
  /* Only the TUN device's subnets are routed: anything else has no route,
   * which is how the connect test gets its G_IO_ERROR_HOST_UNREACHABLE. */
  if ((packet[0] >> 4) == 4)
    {
      if (length < 20 || packet[16] != 10 || packet[17] != 66 || packet[18] != 0)
        return FALSE;
    }
  else
    {
      static const guint8 prefix[8] = { 0xfd, 0x66, 0, 0, 0, 0, 0, 0 };

      if (length < 40 || memcmp (packet + 24, prefix, 8) != 0)
        return FALSE;
    }

  tun.packets_out++;
  /* a full queue drops the packet, as a link would */
  if (write (tun.fd, packet, length) < 0 && errno != EAGAIN && errno != ENOBUFS)
    g_warning ("writing to the TUN device: %s", g_strerror (errno));
  return TRUE;
}

static gboolean
tun_readable_cb (gint         fd,
                 GIOCondition condition,
                 gpointer     user_data)
{
  static guint8 packet[65536];

  /* a bounded batch, then let the loop serve the rest */
  for (guint i = 0; i < 256; i++)
    {
      ssize_t n = read (fd, packet, sizeof packet);

      if (n <= 0)
        break;
      tun.packets_in++;
      sy_netstack_input (tun.netstack, packet, n);
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
setup_tun (GError **error)
{
  struct ifreq ifr = { 0 };
  SyWgPrefix addresses[2];

  if (geteuid () != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           "needs root for a network namespace and a TUN device");
      return FALSE;
    }

  if (unshare (CLONE_NEWNET) < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "unshare(CLONE_NEWNET): %s", g_strerror (errno));
      return FALSE;
    }

  if (!run_ip (error, "link", "set", "lo", "up", NULL))
    return FALSE;

  tun.fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (tun.fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "/dev/net/tun: %s", g_strerror (errno));
      return FALSE;
    }

  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  g_strlcpy (ifr.ifr_name, TUN_NAME, sizeof ifr.ifr_name);
  if (ioctl (tun.fd, TUNSETIFF, &ifr) < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "TUNSETIFF: %s", g_strerror (errno));
      return FALSE;
    }

  /* No autoconfiguration chatter on the link: router solicitations and
   * DAD would be packets the idle test has to explain. */
  if (!write_sysctl ("/proc/sys/net/ipv6/conf/" TUN_NAME "/accept_ra", "0", error) ||
      !write_sysctl ("/proc/sys/net/ipv6/conf/" TUN_NAME "/router_solicitations", "0", error) ||
      !write_sysctl ("/proc/sys/net/ipv6/conf/" TUN_NAME "/accept_dad", "0", error) ||
      !write_sysctl ("/proc/sys/net/ipv6/conf/" TUN_NAME "/addr_gen_mode", "1", error))
    return FALSE;

  if (!run_ip (error, "addr", "add", KERNEL_V4 "/24", "dev", TUN_NAME, NULL) ||
      !run_ip (error, "-6", "addr", "add", KERNEL_V6 "/64", "dev", TUN_NAME, "nodad", NULL) ||
      !run_ip (error, "link", "set", TUN_NAME, "mtu", G_STRINGIFY (TUN_MTU), "up", NULL))
    return FALSE;

  if (!sy_wg_prefix_parse (NETSTACK_V4 "/24", &addresses[0], error) ||
      !sy_wg_prefix_parse (NETSTACK_V6 "/64", &addresses[1], error))
    return FALSE;

  tun.netstack = sy_netstack_new (addresses, 2, TUN_MTU, tun_output_cb, NULL, NULL, error);
  if (tun.netstack == NULL)
    return FALSE;

  g_unix_fd_add (tun.fd, G_IO_IN, tun_readable_cb, NULL);
  return TRUE;
}

/* Kernel peers in a thread --------------------------------------------------- */

typedef enum
{
  PEER_SINK_THEN_SOURCE,   /* read to EOF, write source_bytes, shut down, read to EOF */
  PEER_SOURCE,             /* write source_bytes (counting), shut down, read to EOF */
  PEER_RESET_AFTER_READ,   /* read reset_after bytes, then close with RST */
  PEER_SPEAK_FIRST,        /* write a line, shut down, read to EOF */
  PEER_CONNECT_ECHO,       /* connect, write source_bytes, shut down, read to EOF */
  PEER_ECHO,               /* read and write back until EOF, then shut down */
  PEER_HOLD,               /* read to EOF, then keep the connection until released */
} PeerMode;

typedef struct
{
  PeerMode   mode;
  int        family;
  char      *address;
  guint16    port;
  int        fd;             /* listening socket (or -1 in client modes) */

  guint64    source_bytes;
  guint64    reset_after;
  gint       written;        /* atomic: bytes written so far */
  gboolean   may_fail;       /* an error is what the case expects */
  gint       release;        /* atomic: PEER_HOLD may close now */

  guint64    read_bytes;
  char      *read_sha256;
  GByteArray *read_data;     /* kept when small */
  gint64     read_started;
  gint64     read_finished;
  gint64     write_started;
  gint64     write_finished;
  char      *local_address;  /* PEER_CONNECT_ECHO: our end, as "ADDR:PORT" */
  char      *error;

  gint       done;
  GThread   *thread;
} Peer;

static void
peer_free (Peer *peer)
{
  if (peer->thread != NULL)
    g_thread_join (peer->thread);
  if (peer->fd >= 0)
    close (peer->fd);
  g_free (peer->address);
  g_free (peer->read_sha256);
  g_free (peer->local_address);
  g_free (peer->error);
  if (peer->read_data != NULL)
    g_byte_array_unref (peer->read_data);
  g_free (peer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_free)

static socklen_t
make_sockaddr (struct sockaddr_storage *storage,
               int                      family,
               const char              *address,
               guint16                  port)
{
  memset (storage, 0, sizeof *storage);
  if (family == AF_INET6)
    {
      struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) storage;

      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons (port);
      g_assert_cmpint (inet_pton (AF_INET6, address, &sin6->sin6_addr), ==, 1);
      return sizeof *sin6;
    }
  else
    {
      struct sockaddr_in *sin = (struct sockaddr_in *) storage;

      sin->sin_family = AF_INET;
      sin->sin_port = htons (port);
      g_assert_cmpint (inet_pton (AF_INET, address, &sin->sin_addr), ==, 1);
      return sizeof *sin;
    }
}

static gboolean
peer_read_all (Peer *peer,
               int   fd)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (256 * 1024);

  for (;;)
    {
      ssize_t n = read (fd, buffer, 256 * 1024);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          peer->error = g_strdup_printf ("read: %s", g_strerror (errno));
          return FALSE;
        }
      if (n == 0)
        break;
      if (peer->read_bytes == 0)
        peer->read_started = g_get_monotonic_time ();
      g_checksum_update (sum, buffer, n);
      if (peer->read_data != NULL && peer->read_data->len < 1024 * 1024)
        g_byte_array_append (peer->read_data, buffer, n);
      peer->read_bytes += n;
    }

  peer->read_finished = g_get_monotonic_time ();
  g_free (peer->read_sha256);
  peer->read_sha256 = g_strdup (g_checksum_get_string (sum));
  return TRUE;
}

static gboolean
peer_write_pattern (Peer    *peer,
                    int      fd,
                    guint64  length)
{
  g_autofree guint8 *buffer = g_malloc (256 * 1024);
  guint64 done = 0;

  peer->write_started = g_get_monotonic_time ();
  while (done < length)
    {
      gsize n = MIN (length - done, 256 * 1024);
      gsize off = 0;

      pattern_fill (buffer, done, n);
      while (off < n)
        {
          ssize_t w = write (fd, buffer + off, n - off);

          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            {
              peer->error = g_strdup_printf ("write: %s", g_strerror (errno));
              return FALSE;
            }
          off += w;
          g_atomic_int_add (&peer->written, (gint) w);
        }
      done += n;
    }
  peer->write_finished = g_get_monotonic_time ();
  return TRUE;
}

static gpointer
peer_thread (gpointer user_data)
{
  Peer *peer = user_data;
  int fd = -1;

  if (peer->mode == PEER_CONNECT_ECHO)
    {
      struct sockaddr_storage storage;
      struct sockaddr_storage local;
      socklen_t length = make_sockaddr (&storage, peer->family, peer->address, peer->port);
      socklen_t local_length = sizeof local;
      char text[INET6_ADDRSTRLEN];

      fd = socket (peer->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (connect (fd, (struct sockaddr *) &storage, length) < 0)
        {
          peer->error = g_strdup_printf ("connect: %s", g_strerror (errno));
          goto out;
        }
      getsockname (fd, (struct sockaddr *) &local, &local_length);
      if (local.ss_family == AF_INET6)
        inet_ntop (AF_INET6, &((struct sockaddr_in6 *) &local)->sin6_addr, text, sizeof text);
      else
        inet_ntop (AF_INET, &((struct sockaddr_in *) &local)->sin_addr, text, sizeof text);
      peer->local_address = g_strdup (text);

      if (peer_write_pattern (peer, fd, peer->source_bytes))
        {
          shutdown (fd, SHUT_WR);
          peer_read_all (peer, fd);
        }
      goto out;
    }

  fd = accept4 (peer->fd, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0)
    {
      peer->error = g_strdup_printf ("accept: %s", g_strerror (errno));
      goto out;
    }

  switch (peer->mode)
    {
    case PEER_SINK_THEN_SOURCE:
      if (peer_read_all (peer, fd) && peer_write_pattern (peer, fd, peer->source_bytes))
        {
          guint8 byte;

          shutdown (fd, SHUT_WR);
          if (read (fd, &byte, 1) != 0)
            peer->error = g_strdup ("data after EOF");
        }
      break;

    case PEER_SOURCE:
      if (peer_write_pattern (peer, fd, peer->source_bytes))
        {
          shutdown (fd, SHUT_WR);
          peer_read_all (peer, fd);
        }
      break;

    case PEER_RESET_AFTER_READ:
      {
        struct linger linger = { 1, 0 };
        guint8 buffer[4096];
        guint64 got = 0;

        while (got < peer->reset_after)
          {
            ssize_t n = read (fd, buffer, MIN (sizeof buffer, peer->reset_after - got));

            if (n <= 0)
              {
                peer->error = g_strdup ("connection ended before the reset");
                break;
              }
            got += n;
          }
        peer->read_bytes = got;
        /* SO_LINGER with a zero timeout: close(2) sends RST */
        setsockopt (fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
      }
      break;

    case PEER_SPEAK_FIRST:
      {
        static const char line[] = "kernel speaks first\n";

        if (write (fd, line, sizeof line - 1) != sizeof line - 1)
          peer->error = g_strdup ("short write");
        shutdown (fd, SHUT_WR);
        peer_read_all (peer, fd);
      }
      break;

    case PEER_ECHO:
      {
        g_autofree guint8 *buffer = g_malloc (256 * 1024);

        for (;;)
          {
            ssize_t n = read (fd, buffer, 256 * 1024);
            gsize off = 0;

            if (n < 0 && errno == EINTR)
              continue;
            if (n <= 0)
              break;
            peer->read_bytes += n;
            while (off < (gsize) n)
              {
                ssize_t w = write (fd, buffer + off, n - off);

                if (w <= 0)
                  {
                    peer->error = g_strdup_printf ("echo write: %s", g_strerror (errno));
                    goto out;
                  }
                off += w;
              }
          }
        shutdown (fd, SHUT_WR);
      }
      break;

    case PEER_HOLD:
      if (peer_read_all (peer, fd))
        while (!g_atomic_int_get (&peer->release))
          g_usleep (10 * 1000);
      break;

    case PEER_CONNECT_ECHO:
    default:
      g_assert_not_reached ();
    }

out:
  if (fd >= 0)
    close (fd);
  g_atomic_int_set (&peer->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

/* A kernel server on ADDRESS:0; the port it got is peer->port. */
static Peer *
peer_listen (PeerMode    mode,
             const char *address)
{
  Peer *peer = g_new0 (Peer, 1);
  struct sockaddr_storage storage;
  socklen_t length;
  int one = 1;

  peer->mode = mode;
  peer->family = strchr (address, ':') != NULL ? AF_INET6 : AF_INET;
  peer->address = g_strdup (address);
  peer->fd = socket (peer->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (peer->fd, >=, 0);
  setsockopt (peer->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  length = make_sockaddr (&storage, peer->family, address, 0);
  g_assert_cmpint (bind (peer->fd, (struct sockaddr *) &storage, length), ==, 0);
  g_assert_cmpint (listen (peer->fd, 8), ==, 0);
  length = sizeof storage;
  getsockname (peer->fd, (struct sockaddr *) &storage, &length);
  peer->port = ntohs (peer->family == AF_INET6 ? ((struct sockaddr_in6 *) &storage)->sin6_port
                                               : ((struct sockaddr_in *) &storage)->sin_port);
  return peer;
}

static void
peer_start (Peer *peer)
{
  peer->thread = g_thread_new ("kernel-peer", peer_thread, peer);
}

static void
peer_wait (Peer *peer)
{
  wait_for_flag (&peer->done, "kernel peer");
  g_thread_join (g_steal_pointer (&peer->thread));
  if (peer->error != NULL && !peer->may_fail)
    g_error ("kernel peer: %s", peer->error);
}

/* lwIP side ------------------------------------------------------------------ */

typedef struct
{
  gint       done;
  GIOStream *stream;
  GError    *error;
} ConnectResult;

static void
connect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  ConnectResult *connect = user_data;

  connect->stream = sy_netstack_connect_finish (SY_NETSTACK (object), result, &connect->error);
  g_atomic_int_set (&connect->done, TRUE);
}

static GIOStream *
netstack_connect (const char    *address,
                  guint16        port,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GSocketAddress) target = g_inet_socket_address_new_from_string (address, port);
  ConnectResult connect = { 0 };

  sy_netstack_connect_async (tun.netstack, G_INET_SOCKET_ADDRESS (target), cancellable,
                             connect_cb, &connect);
  g_assert_false (connect.done);
  wait_for_flag (&connect.done, "connect");
  g_assert_true ((connect.stream == NULL) != (connect.error == NULL));
  if (connect.error != NULL)
    g_propagate_error (error, connect.error);
  return connect.stream;
}

static void
close_stream (GIOStream *stream)
{
  g_assert_true (g_io_stream_close (stream, NULL, NULL));
}

static double
cpu_seconds (const struct rusage *before,
             const struct rusage *after)
{
  return (after->ru_utime.tv_sec - before->ru_utime.tv_sec) +
         (after->ru_stime.tv_sec - before->ru_stime.tv_sec) +
         (after->ru_utime.tv_usec - before->ru_utime.tv_usec) / 1e6 +
         (after->ru_stime.tv_usec - before->ru_stime.tv_usec) / 1e6;
}

/* Bulk both ways, with throughput ----------------------------------------------- */

static void
test_bulk (gconstpointer data)
{
  const char *kernel_address = data;
  g_autoptr(Peer) peer = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(Pump) pump = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  GInetSocketAddress *local;
  g_autofree char *local_text = NULL;
  struct rusage usage_before, usage_after;

  if (!tun_ready ())
    return;

  expected = pattern_sha256 (BULK_SIZE);

  peer = peer_listen (PEER_SINK_THEN_SOURCE, kernel_address);
  peer->source_bytes = BULK_SIZE;
  peer_start (peer);

  stream = netstack_connect (kernel_address, peer->port, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (SY_IS_NETSTACK_TCP_STREAM (stream));

  local = sy_netstack_tcp_stream_get_local_address (SY_NETSTACK_TCP_STREAM (stream));
  local_text = g_inet_address_to_string (g_inet_socket_address_get_address (local));
  g_assert_cmpstr (local_text, ==, strchr (kernel_address, ':') ? NETSTACK_V6 : NETSTACK_V4);

  /* lwIP → kernel, then FIN; the kernel answers with its own stream */
  getrusage (RUSAGE_THREAD, &usage_before);
  pump = pump_new (stream);
  pump_start_write (pump, BULK_SIZE, TRUE);
  pump_start_read (pump, FALSE);
  wait_for_flag (&pump->write_done, "upload");
  wait_for_flag (&pump->read_done, "download");
  getrusage (RUSAGE_THREAD, &usage_after);
  g_assert_no_error (pump->error);
  peer_wait (peer);

  g_assert_cmpuint (pump->written, ==, BULK_SIZE);
  g_assert_cmpuint (peer->read_bytes, ==, BULK_SIZE);
  g_assert_cmpstr (peer->read_sha256, ==, g_checksum_get_string (pump->sent_sum));
  g_assert_cmpstr (peer->read_sha256, ==, expected);

  g_assert_cmpuint (pump->received, ==, BULK_SIZE);
  g_assert_cmpstr (g_checksum_get_string (pump->received_sum), ==, expected);

  /* The numbers, not a pass/fail condition: the netstack's ceiling on
   * this machine (the main thread also makes and sums the data). */
  g_test_message ("netstack over TUN (%s): lwIP → kernel %.1f MB/s, kernel → lwIP %.1f MB/s, "
                  "main thread CPU %.2f s for both",
                  kernel_address,
                  megabytes_per_second (BULK_SIZE, pump->write_started, peer->read_finished),
                  megabytes_per_second (BULK_SIZE, peer->write_started, pump->read_finished),
                  cpu_seconds (&usage_before, &usage_after));

  close_stream (stream);
}

/* Errors -------------------------------------------------------------------------- */

static void
test_refused (gconstpointer data)
{
  const char *kernel_address = data;
  g_autoptr(Peer) peer = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  if (!tun_ready ())
    return;

  /* a port that was just free: nobody listens there now */
  peer = peer_listen (PEER_ECHO, kernel_address);
  port = peer->port;
  close (peer->fd);
  peer->fd = -1;

  stream = netstack_connect (kernel_address, port, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_null (stream);
}

static void
test_unreachable (void)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  if (!tun_ready ())
    return;

  stream = netstack_connect ("192.0.2.1", 80, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE);
  g_assert_null (stream);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
pcb_to_nobody_exists (void)
{
  ip_addr_t nobody;

  g_assert_true (ipaddr_aton (NOBODY_V4, &nobody));
  for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb != NULL; pcb = pcb->next)
    if (ip_addr_eq (&pcb->remote_ip, &nobody))
      return TRUE;
  return FALSE;
}

static void
test_connect_cancelled (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  if (!tun_ready ())
    return;

  /* nobody answers 10.66.0.99: the SYN goes unanswered until cancelled */
  g_timeout_add (200, cancel_cb, cancellable);
  stream = netstack_connect (NOBODY_V4, 80, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (stream);

  /* the attempt's pcb is gone, not left retrying */
  g_assert_false (pcb_to_nobody_exists ());
}

static void
test_connect_timeout (void)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time ();

  if (!tun_ready ())
    return;

  /* SYNs into the void: lwIP gives up after TCP_SYNMAXRTX retries, one
   * initial RTO apart (lwIP does not back off in SYN_SENT) */
  stream = netstack_connect (NOBODY_V4, 80, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (stream);
  g_assert_false (pcb_to_nobody_exists ());
  g_test_message ("connect timed out after %.1f s",
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
}

static void
test_reset (void)
{
  g_autoptr(Peer) peer = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  GOutputStream *out;
  GPollableInputStream *in;
  guint8 buffer[1024];
  gssize n;

  if (!tun_ready ())
    return;

  peer = peer_listen (PEER_RESET_AFTER_READ, KERNEL_V4);
  peer->reset_after = 5;
  peer_start (peer);

  stream = netstack_connect (KERNEL_V4, peer->port, NULL, &error);
  g_assert_no_error (error);
  out = g_io_stream_get_output_stream (stream);
  in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));

  g_assert_cmpint (g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (out),
                                                               "hello", 5, NULL, &error), ==, 5);
  g_assert_no_error (error);
  peer_wait (peer);

  /* the RST arrives: reads fail with CONNECTION_CLOSED, writes too */
  for (;;)
    {
      n = g_pollable_input_stream_read_nonblocking (in, buffer, sizeof buffer, NULL, &error);
      if (n >= 0 || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      g_clear_error (&error);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_cmpint (n, ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_clear_error (&error);

  n = g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (out), "x", 1,
                                                  NULL, &error);
  g_assert_cmpint (n, ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
}

/* Half-close ------------------------------------------------------------------------ */

static void
test_half_close_ours (void)
{
  g_autoptr(Peer) peer = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(Pump) pump = NULL;
  g_autoptr(GError) error = NULL;

  if (!tun_ready ())
    return;

  /* we send and shut down; the kernel reads to EOF and only then answers */
  peer = peer_listen (PEER_SINK_THEN_SOURCE, KERNEL_V4);
  peer->source_bytes = 100000;
  peer_start (peer);

  stream = netstack_connect (KERNEL_V4, peer->port, NULL, &error);
  g_assert_no_error (error);

  pump = pump_new (stream);
  pump_start_write (pump, 12345, TRUE);
  wait_for_flag (&pump->write_done, "write");
  g_assert_true (g_output_stream_is_closed (g_io_stream_get_output_stream (stream)));
  g_assert_false (g_input_stream_is_closed (g_io_stream_get_input_stream (stream)));

  pump_start_read (pump, FALSE);
  wait_for_flag (&pump->read_done, "read after half-close");
  g_assert_no_error (pump->error);
  peer_wait (peer);

  g_assert_cmpuint (peer->read_bytes, ==, 12345);
  g_assert_cmpuint (pump->received, ==, 100000);
  {
    g_autofree char *expected = pattern_sha256 (100000);

    g_assert_cmpstr (g_checksum_get_string (pump->received_sum), ==, expected);
  }
  close_stream (stream);
}

static void
test_half_close_theirs (void)
{
  g_autoptr(Peer) peer = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(Pump) pump = NULL;
  g_autoptr(GError) error = NULL;

  if (!tun_ready ())
    return;

  /* the kernel speaks and shuts down; we read to EOF, then answer */
  peer = peer_listen (PEER_SPEAK_FIRST, KERNEL_V6);
  peer_start (peer);

  stream = netstack_connect (KERNEL_V6, peer->port, NULL, &error);
  g_assert_no_error (error);

  pump = pump_new (stream);
  pump_start_read (pump, TRUE);
  wait_for_flag (&pump->read_done, "read to EOF");
  g_assert_no_error (pump->error);
  g_assert_cmpmem (pump->received_bytes->data, pump->received_bytes->len,
                   "kernel speaks first\n", 20);

  /* reads after EOF keep returning 0 */
  {
    guint8 byte;

    g_assert_cmpint (g_pollable_input_stream_read_nonblocking (pump->in, &byte, 1, NULL,
                                                               &error), ==, 0);
    g_assert_no_error (error);
  }

  pump_start_write (pump, 54321, TRUE);
  wait_for_flag (&pump->write_done, "answer");
  g_assert_no_error (pump->error);
  peer_wait (peer);
  g_assert_cmpuint (peer->read_bytes, ==, 54321);
  g_assert_cmpstr (peer->read_sha256, ==, g_checksum_get_string (pump->sent_sum));

  close_stream (stream);
}

/* Backpressure ------------------------------------------------------------------------ */

static void
test_backpressure (void)
{
  g_autoptr(Peer) peer = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(Pump) pump = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  gsize heap_before;
  gsize heap_peak = 0;
  gsize queued_peak = 0;
  gint last_written = -1;
  gint64 stalled_since = 0;
  gint64 deadline;

  if (!tun_ready ())
    return;

  expected = pattern_sha256 (BACKPRESSURE_SIZE);
  heap_before = sy_lwip_heap_get_bytes ();

  peer = peer_listen (PEER_SOURCE, KERNEL_V4);
  peer->source_bytes = BACKPRESSURE_SIZE;
  peer_start (peer);

  stream = netstack_connect (KERNEL_V4, peer->port, NULL, &error);
  g_assert_no_error (error);

  /* Don't read. The kernel writes until our window and its own send
   * buffer are full, then blocks. */
  deadline = g_get_monotonic_time () + SAFETY_TIMEOUT_S * G_USEC_PER_SEC;
  for (;;)
    {
      gint written = g_atomic_int_get (&peer->written);
      gsize queued = sy_netstack_tcp_stream_get_queued_bytes (SY_NETSTACK_TCP_STREAM (stream));

      heap_peak = MAX (heap_peak, sy_lwip_heap_get_bytes ());
      queued_peak = MAX (queued_peak, queued);

      if (written != last_written)
        {
          last_written = written;
          stalled_since = g_get_monotonic_time ();
        }
      else if (written > 0 && g_get_monotonic_time () - stalled_since > G_USEC_PER_SEC)
        {
          break;
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      run_for (50);
    }

  g_test_message ("backpressure: kernel wrote %d of %d bytes, "
                  "%" G_GSIZE_FORMAT " queued in the stream, lwIP heap +%" G_GSIZE_FORMAT,
                  last_written, BACKPRESSURE_SIZE, queued_peak, heap_peak - heap_before);

  /* The writer stalled long before the end... */
  g_assert_cmpint (last_written, <, BACKPRESSURE_SIZE);
  /* ...with at most a window queued here, and lwIP's memory near that:
   * packet headers, pbuf structs and malloc's rounding on top. */
  g_assert_cmpuint (queued_peak, <=, TCP_WND);
  g_assert_cmpuint (queued_peak, >, TCP_WND / 2);
  g_assert_cmpuint (heap_peak - heap_before, <=, TCP_WND + TCP_WND / 4);

  /* Reading drains everything, in order. */
  pump = pump_new (stream);
  pump_start_read (pump, FALSE);
  wait_for_flag (&pump->read_done, "drain");
  g_assert_no_error (pump->error);
  g_assert_cmpuint (pump->received, ==, BACKPRESSURE_SIZE);
  g_assert_cmpstr (g_checksum_get_string (pump->received_sum), ==, expected);

  g_output_stream_close (g_io_stream_get_output_stream (stream), NULL, NULL);
  peer_wait (peer);
  close_stream (stream);
}

/* Two interfaces with the same address ------------------------------------------------ */

static gboolean
discard_output_cb (const guint8 *packet,
                   gsize         length,
                   gpointer      user_data)
{
  guint *count = user_data;

  (*count)++;
  return TRUE;
}

static void
test_same_address (void)
{
  g_autoptr(Peer) peer = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(Pump) pump = NULL;
  g_autoptr(GError) error = NULL;
  SyWgPrefix addresses[2];
  SyNetstack *twin;
  guint twin_packets = 0;

  if (!tun_ready ())
    return;

  peer = peer_listen (PEER_ECHO, KERNEL_V4);
  peer_start (peer);
  stream = netstack_connect (KERNEL_V4, peer->port, NULL, &error);
  g_assert_no_error (error);

  /* A second tunnel with the very same addresses comes and goes. */
  g_assert_true (sy_wg_prefix_parse (NETSTACK_V4 "/24", &addresses[0], NULL));
  g_assert_true (sy_wg_prefix_parse (NETSTACK_V6 "/64", &addresses[1], NULL));
  twin = sy_netstack_new (addresses, 2, TUN_MTU, discard_output_cb, &twin_packets, NULL, &error);
  g_assert_no_error (error);

  /* The first connection carries on, its packets on the first interface. */
  pump = pump_new (stream);
  pump_start_write (pump, 1000000, FALSE);
  wait_for_flag (&pump->write_done, "write with a twin");
  g_clear_object (&twin);
  g_assert_cmpuint (twin_packets, ==, 0);

  /* and survives the twin's removal */
  pump_start_write (pump, 2000000, TRUE);
  pump_start_read (pump, FALSE);
  wait_for_flag (&pump->read_done, "echo after the twin left");
  g_assert_no_error (pump->error);
  g_assert_cmpuint (pump->received, ==, 2000000);
  peer_wait (peer);
  close_stream (stream);
}

/* A listener inside the netstack -------------------------------------------------------- */

typedef struct
{
  GPtrArray *pumps;
  GPtrArray *remotes;
} Accepted;

static void
accept_cb (SyNetstack         *netstack,
           GIOStream          *connection,
           GInetSocketAddress *remote,
           gpointer            user_data)
{
  Accepted *accepted = user_data;
  Pump *pump = pump_new (connection);

  g_object_unref (connection);
  g_ptr_array_add (accepted->remotes, g_inet_address_to_string (
                     g_inet_socket_address_get_address (remote)));

  /* answer with a stream of our own, and read theirs to EOF */
  pump_start_write (pump, 300000, TRUE);
  pump_start_read (pump, FALSE);
  g_ptr_array_add (accepted->pumps, pump);
}

static void
test_listen (void)
{
  Accepted accepted = {
    g_ptr_array_new_with_free_func ((GDestroyNotify) pump_free),
    g_ptr_array_new_with_free_func (g_free),
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *expected_up = pattern_sha256 (200000);
  g_autofree char *expected_down = pattern_sha256 (300000);
  const char *targets[] = { NETSTACK_V4, NETSTACK_V6 };
  guint id;

  if (!tun_ready ())
    return;

  id = sy_netstack_listen (tun.netstack, 8000, accept_cb, &accepted, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);

  /* the port is taken now */
  g_assert_cmpuint (sy_netstack_listen (tun.netstack, 8000, accept_cb, &accepted, NULL,
                                        &error), ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autoptr(Peer) peer = g_new0 (Peer, 1);
      Pump *pump;

      peer->mode = PEER_CONNECT_ECHO;
      peer->family = i == 0 ? AF_INET : AF_INET6;
      peer->address = g_strdup (targets[i]);
      peer->port = 8000;
      peer->fd = -1;
      peer->source_bytes = 200000;
      peer_start (peer);
      peer_wait (peer);

      g_assert_cmpuint (accepted.pumps->len, ==, i + 1);
      pump = g_ptr_array_index (accepted.pumps, i);
      wait_for_flag (&pump->read_done, "accepted read");
      wait_for_flag (&pump->write_done, "accepted write");
      g_assert_no_error (pump->error);

      g_assert_cmpuint (pump->received, ==, 200000);
      g_assert_cmpstr (g_checksum_get_string (pump->received_sum), ==, expected_up);
      g_assert_cmpuint (peer->read_bytes, ==, 300000);
      g_assert_cmpstr (peer->read_sha256, ==, expected_down);
      g_assert_cmpstr (g_ptr_array_index (accepted.remotes, i), ==, peer->local_address);
      g_assert_cmpstr (peer->local_address, ==, i == 0 ? KERNEL_V4 : KERNEL_V6);

      close_stream (pump->stream);
    }

  sy_netstack_unlisten (tun.netstack, id);

  /* gone: lwIP answers a new connection with RST */
  {
    g_autoptr(Peer) peer = g_new0 (Peer, 1);

    peer->mode = PEER_CONNECT_ECHO;
    peer->family = AF_INET;
    peer->address = g_strdup (NETSTACK_V4);
    peer->port = 8000;
    peer->fd = -1;
    peer->may_fail = TRUE;
    peer_start (peer);
    peer_wait (peer);
    g_assert_nonnull (peer->error);
    g_assert_nonnull (strstr (peer->error, g_strerror (ECONNREFUSED)));
  }
  g_assert_cmpuint (accepted.pumps->len, ==, 2);

  g_ptr_array_unref (accepted.pumps);
  g_ptr_array_unref (accepted.remotes);
}

/* Relay: a kernel client through SyRelay and the netstack to a kernel echo server ---- */

typedef struct
{
  gint    done;
  GError *error;
} RelayResult;

static void
relay_done_cb (SySession    *session,
               const GError *error,
               gpointer      user_data)
{
  RelayResult *result = user_data;

  result->error = error != NULL ? g_error_copy (error) : NULL;
  g_atomic_int_set (&result->done, TRUE);
}

static void
test_relay (void)
{
  g_autoptr(Peer) echo = NULL;
  g_autoptr(GIOStream) remote = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) client_app = NULL;
  g_autoptr(GSocketConnection) client_side = NULL;
  g_autoptr(SySession) session = NULL;
  g_autoptr(Pump) pump = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = pattern_sha256 (8 * 1024 * 1024);
  SyRelayOptions options = SY_RELAY_OPTIONS_INIT;
  RelayResult relay_result = { 0 };
  guint16 port;

  if (!tun_ready ())
    return;

  echo = peer_listen (PEER_ECHO, KERNEL_V4);
  peer_start (echo);
  remote = netstack_connect (KERNEL_V4, echo->port, NULL, &error);
  g_assert_no_error (error);

  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  {
    g_autofree char *target = g_strdup_printf ("127.0.0.1:%u", port);

    client_app = g_socket_client_connect_to_host (client, target, 0, NULL, &error);
    g_assert_no_error (error);
  }
  client_side = g_socket_listener_accept (listener, NULL, NULL, &error);
  g_assert_no_error (error);

  session = sy_session_new (SY_NETWORK_TCP, "test", NULL);
  sy_relay_start (session, G_IO_STREAM (client_side), remote, NULL, &options,
                  relay_done_cb, &relay_result);

  g_socket_set_blocking (g_socket_connection_get_socket (client_app), FALSE);
  pump = pump_new (G_IO_STREAM (client_app));
  pump_start_write (pump, 8 * 1024 * 1024, FALSE);
  pump_start_read (pump, FALSE);
  wait_for_flag (&pump->write_done, "write through the relay");
  /* the client's FIN travels through the relay as our half-close */
  g_socket_shutdown (g_socket_connection_get_socket (client_app), FALSE, TRUE, NULL);
  wait_for_flag (&pump->read_done, "echo through the relay");
  g_assert_no_error (pump->error);
  g_assert_cmpuint (pump->received, ==, 8 * 1024 * 1024);
  g_assert_cmpstr (g_checksum_get_string (pump->received_sum), ==, expected);

  wait_for_flag (&relay_result.done, "relay done");
  g_assert_no_error (relay_result.error);
  g_assert_cmpuint (session->bytes_up, ==, 8 * 1024 * 1024);
  g_assert_cmpuint (session->bytes_down, ==, 8 * 1024 * 1024);
  peer_wait (echo);
}

/* DNS against a small responder on the kernel side ------------------------------------------ */

typedef struct
{
  GSocket *socket;
  GSource *source;
  gboolean v6;
} Responder;

static Responder responders[2];

static guint8 *
put16 (guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
  return p + 2;
}

static guint8 *
put_name (guint8 *p, const char *name)
{
  g_auto(GStrv) labels = g_strsplit (name, ".", -1);

  for (guint i = 0; labels[i] != NULL; i++)
    {
      gsize n = strlen (labels[i]);

      *p++ = (guint8) n;
      memcpy (p, labels[i], n);
      p += n;
    }
  *p++ = 0;
  return p;
}

/* owner: NULL for a pointer to the question's name */
static guint8 *
put_record (guint8     *p,
            const char *owner,
            guint16     type,
            const char *data)
{
  guint8 rdata[256];
  gsize rdlength;

  if (owner == NULL)
    p = put16 (p, 0xc00c);
  else
    p = put_name (p, owner);

  if (type == 1)
    {
      inet_pton (AF_INET, data, rdata);
      rdlength = 4;
    }
  else if (type == 28)
    {
      inet_pton (AF_INET6, data, rdata);
      rdlength = 16;
    }
  else
    {
      rdlength = put_name (rdata, data) - rdata;
    }

  p = put16 (p, type);
  p = put16 (p, 1);
  p = put16 (p, 0);
  p = put16 (p, 300);
  p = put16 (p, (guint16) rdlength);
  memcpy (p, rdata, rdlength);
  return p + rdlength;
}

static void
responder_reply (Responder      *responder,
                 GSocketAddress *to,
                 const guint8   *query,
                 gsize           query_length,
                 const char     *name,
                 guint16         qtype)
{
  guint8 reply[1024];
  guint8 *p;
  guint16 id = query[0] << 8 | query[1];
  guint16 flags = 0x8180;
  guint16 ancount = 0;
  gsize question_length = 0;

  /* the question ends at the OPT record, where the query's additional
   * section starts: find it by walking the name */
  {
    gsize pos = 12;

    while (pos < query_length && query[pos] != 0)
      pos += query[pos] + 1;
    question_length = pos + 1 + 4 - 12;
  }

  p = reply + 12;
  memcpy (p, query + 12, question_length);
  p += question_length;

#define RR(owner, type, data) \
  G_STMT_START { p = put_record (p, owner, type, data); ancount++; } G_STMT_END

  if (g_str_equal (name, "a.test"))
    {
      if (qtype == 1)
        {
          RR (NULL, 1, "10.1.2.3");
          RR (NULL, 1, "10.1.2.4");
        }
      else
        RR (NULL, 28, "fd00::1:2:3");
    }
  else if (g_str_equal (name, "cname.test"))
    {
      RR (NULL, 5, "a.test");
      RR ("a.test", qtype, qtype == 1 ? "10.1.2.3" : "fd00::1:2:3");
    }
  else if (g_str_equal (name, "chain.test"))
    {
      /* out of order on purpose */
      RR ("a.test", qtype, qtype == 1 ? "10.1.2.3" : "fd00::1:2:3");
      RR ("c1.test", 5, "a.test");
      RR (NULL, 5, "c1.test");
    }
  else if (g_str_equal (name, "v4only.test"))
    {
      if (qtype == 1)
        RR (NULL, 1, "10.9.9.9");
    }
  else if (g_str_equal (name, "stray.test"))
    {
      /* records for a name nobody asked about */
      RR ("evil.test", qtype, qtype == 1 ? "6.6.6.6" : "fd00::666");
    }
  else if (g_str_equal (name, "trunc.test"))
    {
      flags |= 0x0200;
    }
  else if (g_str_equal (name, "servfail.test"))
    {
      if (!responder->v6)
        flags |= 2;
      else if (qtype == 1)
        RR (NULL, 1, "10.5.5.5");
    }
  else if (g_str_equal (name, "wrongid.test") || g_str_equal (name, "garbage.test"))
    {
      guint8 bogus[512];
      gsize bogus_length;

      if (g_str_equal (name, "wrongid.test"))
        {
          /* a full, well-formed answer with another ID */
          memcpy (bogus, query, 12);
          put16 (bogus, id ^ 0x5a5a);
          put16 (bogus + 2, 0x8180);
          put16 (bogus + 6, 1);
          put16 (bogus + 10, 0);
          memcpy (bogus + 12, query + 12, question_length);
          bogus_length = put_record (bogus + 12 + question_length, NULL, qtype,
                                     qtype == 1 ? "6.6.6.6" : "fd00::666") - bogus;
        }
      else
        {
          /* our ID, then noise */
          for (gsize i = 0; i < sizeof bogus; i++)
            bogus[i] = (guint8) g_random_int ();
          put16 (bogus, id);
          bogus_length = sizeof bogus;
        }
      g_socket_send_to (responder->socket, to, (const char *) bogus, bogus_length, NULL, NULL);

      if (qtype == 1)
        RR (NULL, 1, g_str_equal (name, "wrongid.test") ? "10.7.7.7" : "10.8.8.8");
    }
  else if (g_str_equal (name, "silent.test"))
    {
      return;
    }
  else
    {
      flags |= 3;   /* NXDOMAIN */
    }

#undef RR

  put16 (reply, id);
  put16 (reply + 2, flags);
  put16 (reply + 4, 1);
  put16 (reply + 6, ancount);
  put16 (reply + 8, 0);
  put16 (reply + 10, 0);
  g_socket_send_to (responder->socket, to, (const char *) reply, p - reply, NULL, NULL);
}

static gboolean
responder_cb (GSocket      *socket,
              GIOCondition  condition,
              gpointer      user_data)
{
  Responder *responder = user_data;
  guint8 query[1500];
  g_autoptr(GSocketAddress) from = NULL;
  g_autoptr(GString) name = g_string_new (NULL);
  gssize n;
  gsize pos = 12;

  n = g_socket_receive_from (socket, &from, (char *) query, sizeof query, NULL, NULL);
  if (n < 17)
    return G_SOURCE_CONTINUE;

  while (pos < (gsize) n && query[pos] != 0)
    {
      if (name->len > 0)
        g_string_append_c (name, '.');
      g_string_append_len (name, (const char *) query + pos + 1, query[pos]);
      pos += query[pos] + 1;
    }
  if (pos + 5 > (gsize) n)
    return G_SOURCE_CONTINUE;

  responder_reply (responder, from, query, n, name->str, query[pos + 1] << 8 | query[pos + 2]);
  return G_SOURCE_CONTINUE;
}

static void
responders_start (void)
{
  const char *addresses[] = { KERNEL_V4, KERNEL_V6 };

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string (addresses[i],
                                                                                 53);
      g_autoptr(GError) error = NULL;

      if (responders[i].socket != NULL)
        continue;

      responders[i].v6 = i == 1;
      responders[i].socket = g_socket_new (i == 0 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6,
                                           G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                                           &error);
      g_assert_no_error (error);
      g_socket_bind (responders[i].socket, address, TRUE, &error);
      g_assert_no_error (error);
      g_socket_set_blocking (responders[i].socket, FALSE);
      responders[i].source = g_socket_create_source (responders[i].socket, G_IO_IN, NULL);
      g_source_set_callback (responders[i].source, G_SOURCE_FUNC (responder_cb),
                             &responders[i], NULL);
      g_source_attach (responders[i].source, NULL);
    }
}

typedef struct
{
  gint    done;
  GList  *addresses;
  GError *error;
} ResolveResult;

static void
resolve_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  ResolveResult *resolve = user_data;

  resolve->addresses = sy_netstack_resolve_finish (SY_NETSTACK (object), result,
                                                   &resolve->error);
  g_atomic_int_set (&resolve->done, TRUE);
}

/* Resolves @name and returns the addresses as "a b c", or NULL with @error. */
static char *
resolve (const char  *name,
         const char  *first_server,
         GError     **error)
{
  g_autoptr(GInetAddress) s1 = g_inet_address_new_from_string (first_server);
  g_autoptr(GInetAddress) s2 = g_inet_address_new_from_string (KERNEL_V6);
  GInetAddress *servers[] = { s1, s2 };
  ResolveResult resolve = { 0 };
  GString *text;

  sy_netstack_resolve_async (tun.netstack, name, servers, 2, NULL, resolve_cb, &resolve);
  wait_for_flag (&resolve.done, name);
  if (resolve.error != NULL)
    {
      g_assert_null (resolve.addresses);
      g_propagate_error (error, resolve.error);
      return NULL;
    }

  text = g_string_new (NULL);
  for (GList *l = resolve.addresses; l != NULL; l = l->next)
    {
      g_autofree char *address = g_inet_address_to_string (l->data);

      if (text->len > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, address);
    }
  g_resolver_free_addresses (resolve.addresses);
  return g_string_free (text, FALSE);
}

static void
test_dns (void)
{
  static const struct
  {
    const char *name;
    const char *first_server;
    const char *expected;
    GQuark      domain;
    gint        code;
  } cases[] = {
    { "a.test", KERNEL_V4, "fd00::1:2:3 10.1.2.3 10.1.2.4", 0, 0 },
    { "A.Test.", KERNEL_V4, "fd00::1:2:3 10.1.2.3 10.1.2.4", 0, 0 },
    { "a.test", KERNEL_V6, "fd00::1:2:3 10.1.2.3 10.1.2.4", 0, 0 },
    { "cname.test", KERNEL_V4, "fd00::1:2:3 10.1.2.3", 0, 0 },
    { "chain.test", KERNEL_V4, "fd00::1:2:3 10.1.2.3", 0, 0 },
    { "v4only.test", KERNEL_V4, "10.9.9.9", 0, 0 },
    { "wrongid.test", KERNEL_V4, "10.7.7.7", 0, 0 },
    { "garbage.test", KERNEL_V4, "10.8.8.8", 0, 0 },
    { "servfail.test", KERNEL_V4, "10.5.5.5", 0, 0 },
    { "10.3.3.3", KERNEL_V4, "10.3.3.3", 0, 0 },
    { "nx.test", KERNEL_V4, NULL, 1, G_RESOLVER_ERROR_NOT_FOUND },
    { "stray.test", KERNEL_V4, NULL, 1, G_RESOLVER_ERROR_NOT_FOUND },
    { "trunc.test", KERNEL_V4, NULL, 1, G_RESOLVER_ERROR_TEMPORARY_FAILURE },
    { "bad..name", KERNEL_V4, NULL, 1, G_RESOLVER_ERROR_NOT_FOUND },
    { "silent.test", KERNEL_V4, NULL, 2, G_IO_ERROR_TIMED_OUT },
  };

  if (!tun_ready ())
    return;

  responders_start ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *result = NULL;

      g_test_message ("resolving %s", cases[i].name);
      result = resolve (cases[i].name, cases[i].first_server, &error);
      if (cases[i].expected != NULL)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (result, ==, cases[i].expected);
        }
      else
        {
          GQuark domain = cases[i].domain == 1 ? G_RESOLVER_ERROR : G_IO_ERROR;

          g_assert_null (result);
          g_assert_error (error, domain, cases[i].code);
        }
    }
}

/* Ping ------------------------------------------------------------------------------- */

typedef struct
{
  gint    done;
  gint64  rtt;
  GError *error;
} PingResult;

static void
ping_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  PingResult *ping = user_data;

  ping->rtt = sy_netstack_ping_finish (SY_NETSTACK (object), result, &ping->error);
  g_atomic_int_set (&ping->done, TRUE);
}

static gint64
ping (const char  *address,
      guint        timeout_ms,
      GError     **error)
{
  g_autoptr(GInetAddress) target = g_inet_address_new_from_string (address);
  PingResult result = { 0 };

  sy_netstack_ping_async (tun.netstack, target, timeout_ms, NULL, ping_cb, &result);
  wait_for_flag (&result.done, "ping");
  if (result.error != NULL)
    g_propagate_error (error, result.error);
  return result.rtt;
}

static void
test_ping (void)
{
  g_autoptr(GError) error = NULL;
  gint64 rtt;

  if (!tun_ready ())
    return;

  rtt = ping (KERNEL_V4, 2000, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rtt, >, 0);
  g_assert_cmpint (rtt, <, 2000 * 1000);
  g_test_message ("ping %s: %" G_GINT64_FORMAT " µs", KERNEL_V4, rtt);

  rtt = ping (KERNEL_V6, 2000, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rtt, >, 0);
  g_test_message ("ping %s: %" G_GINT64_FORMAT " µs", KERNEL_V6, rtt);

  rtt = ping (NOBODY_V4, 300, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (rtt, ==, -1);
  g_clear_error (&error);

  rtt = ping ("192.0.2.1", 300, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE);
  g_clear_error (&error);
}

/* UDP ------------------------------------------------------------------------------------ */

typedef struct
{
  GByteArray *data;
  char       *from;
  gint        done;
} UdpReceived;

static void
udp_recv_cb (SyNetstackUdp      *socket,
             const guint8       *data,
             gsize               length,
             GInetSocketAddress *from,
             gpointer            user_data)
{
  UdpReceived *received = user_data;
  g_autofree char *address = g_inet_address_to_string (g_inet_socket_address_get_address (from));

  g_byte_array_append (received->data, data, length);
  g_free (received->from);
  received->from = g_strdup_printf ("%s %u", address, g_inet_socket_address_get_port (from));
  g_atomic_int_set (&received->done, TRUE);
}

static gboolean
udp_echo_cb (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  guint8 buffer[65536];
  g_autoptr(GSocketAddress) from = NULL;
  gssize n = g_socket_receive_from (socket, &from, (char *) buffer, sizeof buffer, NULL, NULL);

  if (n >= 0)
    g_socket_send_to (socket, from, (const char *) buffer, n, NULL, NULL);
  return G_SOURCE_CONTINUE;
}

static void
test_udp (void)
{
  const char *addresses[] = { KERNEL_V4, KERNEL_V6 };
  const gsize sizes[] = { 5, 1200, 4000 };   /* 4000: fragmented both ways */

  if (!tun_ready ())
    return;

  for (guint i = 0; i < G_N_ELEMENTS (addresses); i++)
    {
      g_autoptr(GSocketAddress) bind_address = g_inet_socket_address_new_from_string (addresses[i],
                                                                                      7777);
      g_autoptr(GSocket) echo = NULL;
      g_autoptr(GError) error = NULL;
      GSource *source;
      UdpReceived received = { g_byte_array_new (), NULL, 0 };
      SyNetstackUdp *socket;

      echo = g_socket_new (i == 0 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6,
                           G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
      g_assert_no_error (error);
      g_socket_bind (echo, bind_address, TRUE, &error);
      g_assert_no_error (error);
      g_socket_set_blocking (echo, FALSE);
      source = g_socket_create_source (echo, G_IO_IN, NULL);
      g_source_set_callback (source, G_SOURCE_FUNC (udp_echo_cb), NULL, NULL);
      g_source_attach (source, NULL);

      socket = sy_netstack_udp_new (tun.netstack, 0, udp_recv_cb, &received, &error);
      g_assert_no_error (error);

      for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
        {
          g_autofree guint8 *payload = g_malloc (sizes[s]);
          g_autofree char *expected_from = g_strdup_printf ("%s 7777", addresses[i]);

          pattern_fill (payload, s * 1000, sizes[s]);
          g_byte_array_set_size (received.data, 0);
          received.done = FALSE;

          g_assert_true (sy_netstack_udp_send (socket, payload, sizes[s],
                                               G_INET_SOCKET_ADDRESS (bind_address), &error));
          g_assert_no_error (error);
          wait_for_flag (&received.done, "UDP echo");
          g_assert_cmpmem (received.data->data, received.data->len, payload, sizes[s]);
          g_assert_cmpstr (received.from, ==, expected_from);
        }

      /* no route: an error, not a silent drop */
      {
        g_autoptr(GSocketAddress) nowhere = g_inet_socket_address_new_from_string ("192.0.2.1",
                                                                                   9);

        g_assert_false (sy_netstack_udp_send (socket, (const guint8 *) "x", 1,
                                              G_INET_SOCKET_ADDRESS (nowhere), &error));
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE);
        g_clear_error (&error);
      }

      sy_netstack_udp_free (socket);
      g_source_destroy (source);
      g_source_unref (source);
      g_byte_array_unref (received.data);
      g_free (received.from);
    }
}

/* Idle: no timer, no wakeup ------------------------------------------------------------- */

static GPollFunc default_poll;
static guint poll_calls;

static gint
counting_poll (GPollFD *fds,
               guint    n_fds,
               gint     timeout)
{
  poll_calls++;
  return default_poll (fds, n_fds, timeout);
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_idle (void)
{
  g_autoptr(Peer) closed_peer = NULL;
  g_autoptr(Peer) open_peer = NULL;
  g_autoptr(Peer) half_peer = NULL;
  g_autoptr(GIOStream) closed = NULL;
  g_autoptr(GIOStream) open = NULL;
  g_autoptr(GIOStream) half = NULL;
  g_autoptr(Pump) pump = NULL;
  g_autoptr(Pump) open_pump = NULL;
  g_autoptr(Pump) half_pump = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  guint64 runs_before, packets_before;
  gint64 deadline;

  if (!tun_ready ())
    return;

  /* A connection that we close first: it ends in TIME_WAIT here. */
  closed_peer = peer_listen (PEER_ECHO, KERNEL_V4);
  peer_start (closed_peer);
  closed = netstack_connect (KERNEL_V4, closed_peer->port, NULL, &error);
  g_assert_no_error (error);
  pump = pump_new (closed);
  pump_start_write (pump, 10000, TRUE);
  pump_start_read (pump, FALSE);
  wait_for_flag (&pump->read_done, "echo");
  g_assert_cmpuint (pump->received, ==, 10000);
  peer_wait (closed_peer);
  close_stream (closed);

  /* One that stays open, idle, after an exchange... */
  open_peer = peer_listen (PEER_ECHO, KERNEL_V4);
  peer_start (open_peer);
  open = netstack_connect (KERNEL_V4, open_peer->port, NULL, &error);
  g_assert_no_error (error);
  open_pump = pump_new (open);
  pump_start_write (open_pump, 5000, FALSE);
  wait_for_flag (&open_pump->write_done, "write");

  /* ...and one half-closed by us that the peer keeps open. */
  half_peer = peer_listen (PEER_HOLD, KERNEL_V6);
  peer_start (half_peer);
  half = netstack_connect (KERNEL_V6, half_peer->port, NULL, &error);
  g_assert_no_error (error);
  half_pump = pump_new (half);
  pump_start_write (half_pump, 7000, TRUE);
  wait_for_flag (&half_pump->write_done, "half-close");

  run_for (200);
  g_assert_nonnull (tcp_tw_pcbs);
  g_assert_true (sy_lwip_core_timers_armed ());

  /* TIME_WAIT (2 × TCP_MSL) and any reassembly age run out... */
  deadline = g_get_monotonic_time () + 40 * G_USEC_PER_SEC;
  while (sy_lwip_core_timers_armed ())
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      run_for (250);
    }
  g_assert_null (tcp_tw_pcbs);
  g_assert_nonnull (tcp_active_pcbs);

  /* ...and then the loop sleeps, open connections or not: three seconds,
   * one poll. */
  runs_before = sy_lwip_core_get_timer_runs ();
  packets_before = tun.packets_in + tun.packets_out;
  loop = g_main_loop_new (NULL, FALSE);
  default_poll = g_main_context_get_poll_func (NULL);
  poll_calls = 0;
  g_main_context_set_poll_func (NULL, counting_poll);
  g_timeout_add_seconds (3, quit_cb, loop);
  g_main_loop_run (loop);
  g_main_context_set_poll_func (NULL, default_poll);

  g_test_message ("idle for 3 s: %u polls, %" G_GUINT64_FORMAT " packets",
                  poll_calls, tun.packets_in + tun.packets_out - packets_before);
  g_assert_cmpuint (sy_lwip_core_get_timer_runs (), ==, runs_before);
  g_assert_false (sy_lwip_core_timers_armed ());
  g_assert_cmpuint (poll_calls, <=, 2 + 2 * (tun.packets_in + tun.packets_out - packets_before));

  /* The idle connections still work: echo, then close both ways. */
  pump_start_write (open_pump, 9000, TRUE);
  pump_start_read (open_pump, FALSE);
  wait_for_flag (&open_pump->read_done, "echo after idling");
  g_assert_no_error (open_pump->error);
  g_assert_cmpuint (open_pump->received, ==, 9000);
  g_assert_cmpstr (g_checksum_get_string (open_pump->received_sum), ==,
                   g_checksum_get_string (open_pump->sent_sum));
  peer_wait (open_peer);

  g_atomic_int_set (&half_peer->release, TRUE);
  pump_start_read (half_pump, FALSE);
  wait_for_flag (&half_pump->read_done, "EOF after idling");
  g_assert_no_error (half_pump->error);
  peer_wait (half_peer);
  g_assert_cmpuint (half_peer->read_bytes, ==, 7000);

  close_stream (open);
  close_stream (half);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;

  /* Before anything can start a thread: the namespace is per thread. */
  if (!setup_tun (&error))
    tun.failure = g_strdup (error->message);
  else
    tun.ready = TRUE;

  g_test_init (&argc, &argv, NULL);
  pattern_init ();

  g_test_add_data_func ("/wireguard/netstack/tcp-bulk-ipv4", KERNEL_V4, test_bulk);
  g_test_add_data_func ("/wireguard/netstack/tcp-bulk-ipv6", KERNEL_V6, test_bulk);
  g_test_add_data_func ("/wireguard/netstack/tcp-refused-ipv4", KERNEL_V4, test_refused);
  g_test_add_data_func ("/wireguard/netstack/tcp-refused-ipv6", KERNEL_V6, test_refused);
  g_test_add_func ("/wireguard/netstack/tcp-unreachable", test_unreachable);
  g_test_add_func ("/wireguard/netstack/tcp-connect-cancelled", test_connect_cancelled);
  g_test_add_func ("/wireguard/netstack/tcp-connect-timeout", test_connect_timeout);
  g_test_add_func ("/wireguard/netstack/tcp-reset", test_reset);
  g_test_add_func ("/wireguard/netstack/tcp-half-close-ours", test_half_close_ours);
  g_test_add_func ("/wireguard/netstack/tcp-half-close-theirs", test_half_close_theirs);
  g_test_add_func ("/wireguard/netstack/tcp-backpressure", test_backpressure);
  g_test_add_func ("/wireguard/netstack/tcp-same-address", test_same_address);
  g_test_add_func ("/wireguard/netstack/tcp-listen", test_listen);
  g_test_add_func ("/wireguard/netstack/tcp-relay", test_relay);
  g_test_add_func ("/wireguard/netstack/dns", test_dns);
  g_test_add_func ("/wireguard/netstack/ping", test_ping);
  g_test_add_func ("/wireguard/netstack/udp", test_udp);
  g_test_add_func ("/wireguard/netstack/idle", test_idle);

  return g_test_run ();
}
