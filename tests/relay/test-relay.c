/* test-relay.c — the relay against real loopback sockets, on both engines
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every case runs the relay between two real connections:
 *
 *   client_app ⇄ client_side ═ relay ═ remote_side ⇄ server_app
 *
 * client_app and server_app play the application and the destination; the
 * relay gets client_side and remote_side. The modes pick the engine:
 * "splice" (two TCP GSocketConnections), "buffered" (the same with
 * allow_splice = FALSE), "wrapped" (socket streams inside a GSimpleIOStream,
 * so not a GSocketConnection at all), "unix" (socketpair(2), spliced) and
 * "pipes" (the client side is a pair of pipes: a stream that cannot
 * half-close, so its output is closed instead).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/sockios.h>

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib-unix.h>

#include "relay/sy-relay.h"
#include "session/sy-session.h"
#include "util/sy-error.h"

/* Fails a case that stops making progress; not a speed assertion. */
#define SAFETY_TIMEOUT_S 30

#define BULK_SIZE (8 * 1024 * 1024)

typedef enum
{
  MODE_SPLICE,
  MODE_BUFFERED,
  MODE_WRAPPED,
  MODE_UNIX,
  MODE_PIPES,
} Mode;

typedef struct
{
  Mode                mode;
  guint               n_fds;

  GSocketConnection  *client_app;       /* NULL in MODE_PIPES */
  GSocketConnection  *client_side;      /* NULL in MODE_PIPES */
  GSocketConnection  *remote_side;
  GSocketConnection  *server_app;

  /* what the cases drive: one socket both ways, or the app's ends of the
   * two pipes (owned here, -1 once closed) */
  int                 client_app_rfd;
  int                 client_app_wfd;
  int                 client_in_fd;     /* where the relay reads the client's bytes */
  int                 server_app_fd;

  GIOStream          *relay_client;
  GIOStream          *relay_remote;

  SySession          *session;
  SyRelay            *relay;
  guint               done_count;
  GError             *error;
  gboolean            closed_at_done;
} Fixture;

/* Helpers ---------------------------------------------------------------- */

static guint
count_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;

  return n;
}

static int
conn_fd (GSocketConnection *connection)
{
  return g_socket_get_fd (g_socket_connection_get_socket (connection));
}

static void
make_tcp_pair (GSocketConnection **connecting,
               GSocketConnection **accepted)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_socket_listener_add_address (listener, any, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, (GSocketAddress **) &bound, &error);
  g_assert_no_error (error);

  /* no proxy resolver: it would load GIO modules (and fds) mid-test */
  g_socket_client_set_enable_proxy (client, FALSE);
  *connecting = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (bound), NULL, &error);
  g_assert_no_error (error);
  *accepted = g_socket_listener_accept (listener, NULL, NULL, &error);
  g_assert_no_error (error);

  g_socket_listener_close (listener);
}

static void
make_unix_pair (GSocketConnection **a,
                GSocketConnection **b)
{
  g_autoptr(GSocket) socket_a = NULL;
  g_autoptr(GSocket) socket_b = NULL;
  g_autoptr(GError) error = NULL;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  socket_a = g_socket_new_from_fd (fds[0], &error);
  g_assert_no_error (error);
  socket_b = g_socket_new_from_fd (fds[1], &error);
  g_assert_no_error (error);

  *a = g_socket_connection_factory_create_connection (socket_a);
  *b = g_socket_connection_factory_create_connection (socket_b);
}

static gboolean
safety_timeout_cb (gpointer user_data)
{
  g_error ("%s: no progress after %d s", (const char *) user_data, SAFETY_TIMEOUT_S);
  return G_SOURCE_REMOVE;
}

/* Drives the main loop until *flag is set. */
static void
run_until (const gboolean *flag,
           const char     *what)
{
  guint safety = g_timeout_add_seconds (SAFETY_TIMEOUT_S, safety_timeout_cb, (gpointer) what);

  while (!*flag)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (safety);
}

static void
run_until_done (Fixture *f)
{
  gboolean done = FALSE;
  guint safety = g_timeout_add_seconds (SAFETY_TIMEOUT_S, safety_timeout_cb,
                                        (gpointer) "waiting for the relay to end");

  while (!done)
    {
      g_main_context_iteration (NULL, TRUE);
      done = f->done_count > 0;
    }

  g_source_remove (safety);
}

/* Lets the relay do everything it can without anything new happening. */
static void
drain_loop (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
set_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
fd_ready_cb (int           fd,
             GIOCondition  condition,
             gpointer      user_data)
{
  return set_flag_cb (user_data);
}

static void
run_until_readable (int fd)
{
  gboolean ready = FALSE;
  g_autoptr(GSource) source = g_unix_fd_source_new (fd, G_IO_IN | G_IO_HUP | G_IO_ERR);

  g_source_set_callback (source, G_SOURCE_FUNC (fd_ready_cb), &ready, NULL);
  g_source_attach (source, NULL);
  run_until (&ready, "waiting for a peer to become readable");
  g_source_destroy (source);
}

/* Reads @fd until EOF from the main thread while the loop runs the relay. */
static GByteArray *
read_to_eof_in_loop (int fd)
{
  GByteArray *data = g_byte_array_new ();
  guint8 buffer[4096];

  for (;;)
    {
      gssize n = read (fd, buffer, sizeof buffer);

      if (n > 0)
        g_byte_array_append (data, buffer, n);
      else if (n == 0)
        return data;
      else if (errno == EAGAIN)
        run_until_readable (fd);
      else if (errno != EINTR)
        g_error ("read: %s", g_strerror (errno));
    }
}

static void
send_small (int         fd,
            const char *text)
{
  g_assert_cmpint (write (fd, text, strlen (text)), ==, strlen (text));
}

static void
reset_connection (GSocketConnection *connection)
{
  struct linger linger = { .l_onoff = 1, .l_linger = 0 };

  /* SO_LINGER with a zero timeout makes close(2) send a RST */
  g_assert_cmpint (setsockopt (conn_fd (connection), SOL_SOCKET, SO_LINGER,
                               &linger, sizeof linger), ==, 0);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}

/* Threaded peers: blocking I/O with poll(2), since GSocket keeps its fds
 * non-blocking and is not meant to be shared between threads. */

typedef struct
{
  int       fd;
  gsize     size;              /* writer: bytes to send */
  guint32   seed;
  GBytes   *unsent_prefix;     /* writer: bytes that reach the reader first (client_pending) */
  gboolean  shutdown_at_end;   /* writer: after sending; reader: after EOF */
  int      *fd_owner;          /* a pipe: close it (and clear the owner) instead */

  gsize     total;
  int       errsv;
  char     *sha256;
  GThread  *thread;
} PeerJob;

static void
wait_fd (int   fd,
         short events)
{
  struct pollfd pfd = { .fd = fd, .events = events };

  while (poll (&pfd, 1, -1) < 0 && errno == EINTR)
    ;
}

static gpointer
writer_thread (gpointer data)
{
  PeerJob *job = data;
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GRand) rand = g_rand_new_with_seed (job->seed);
  static const gsize chunk_words = 8192;
  g_autofree guint32 *chunk = g_new (guint32, chunk_words);

  if (job->unsent_prefix != NULL)
    g_checksum_update (sum, g_bytes_get_data (job->unsent_prefix, NULL),
                       g_bytes_get_size (job->unsent_prefix));

  while (job->total < job->size && job->errsv == 0)
    {
      gsize len = MIN (chunk_words * sizeof (guint32), job->size - job->total);
      const guint8 *p = (const guint8 *) chunk;
      gsize off = 0;

      for (gsize i = 0; i < chunk_words; i++)
        chunk[i] = g_rand_int (rand);
      g_checksum_update (sum, p, len);

      while (off < len)
        {
          gssize n = write (job->fd, p + off, len - off);

          if (n >= 0)
            off += n;
          else if (errno == EAGAIN)
            wait_fd (job->fd, POLLOUT);
          else if (errno != EINTR)
            {
              job->errsv = errno;
              break;
            }
        }
      job->total += off;
    }

  if (job->shutdown_at_end && job->fd_owner != NULL)
    {
      close (job->fd);
      *job->fd_owner = -1;
    }
  else if (job->shutdown_at_end)
    {
      shutdown (job->fd, SHUT_WR);
    }

  job->sha256 = g_strdup (g_checksum_get_string (sum));
  return NULL;
}

static gpointer
reader_thread (gpointer data)
{
  PeerJob *job = data;
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (65536);

  for (;;)
    {
      gssize n = read (job->fd, buffer, 65536);

      if (n > 0)
        {
          g_checksum_update (sum, buffer, n);
          job->total += n;
        }
      else if (n == 0)
        break;
      else if (errno == EAGAIN)
        wait_fd (job->fd, POLLIN);
      else if (errno != EINTR)
        {
          job->errsv = errno;
          break;
        }
    }

  if (job->shutdown_at_end)
    shutdown (job->fd, SHUT_WR);

  job->sha256 = g_strdup (g_checksum_get_string (sum));
  return NULL;
}

static void
peer_start (PeerJob     *job,
            GThreadFunc  func,
            const char  *name)
{
  job->thread = g_thread_new (name, func, job);
}

static void
peer_join (PeerJob *job)
{
  g_thread_join (g_steal_pointer (&job->thread));
  g_assert_cmpstr (g_strerror (job->errsv), ==, g_strerror (0));
}

static void
peer_clear (PeerJob *job)
{
  g_clear_pointer (&job->sha256, g_free);
  g_clear_pointer (&job->unsent_prefix, g_bytes_unref);
}

static GBytes *
random_bytes (gsize   size,
              guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = g_rand_int (rand);

  return g_bytes_new_take (data, size);
}

/* Fixture ---------------------------------------------------------------- */

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->mode = GPOINTER_TO_INT (data);
  f->n_fds = count_fds ();

  if (f->mode == MODE_UNIX)
    {
      make_unix_pair (&f->client_app, &f->client_side);
      make_unix_pair (&f->remote_side, &f->server_app);
    }
  else if (f->mode == MODE_PIPES)
    {
      make_tcp_pair (&f->remote_side, &f->server_app);
    }
  else
    {
      make_tcp_pair (&f->client_app, &f->client_side);
      make_tcp_pair (&f->remote_side, &f->server_app);
    }

  f->server_app_fd = conn_fd (f->server_app);

  if (f->mode == MODE_PIPES)
    {
      int up[2];
      int down[2];
      g_autoptr(GInputStream) in = NULL;
      g_autoptr(GOutputStream) out = NULL;

      g_assert_cmpint (pipe2 (up, O_CLOEXEC | O_NONBLOCK), ==, 0);
      g_assert_cmpint (pipe2 (down, O_CLOEXEC | O_NONBLOCK), ==, 0);
      f->client_app_wfd = up[1];
      f->client_app_rfd = down[0];
      f->client_in_fd = up[0];
      in = g_unix_input_stream_new (up[0], TRUE);
      out = g_unix_output_stream_new (down[1], TRUE);
      f->relay_client = g_simple_io_stream_new (in, out);
      f->relay_remote = g_object_ref (G_IO_STREAM (f->remote_side));
    }
  else if (f->mode == MODE_WRAPPED)
    {
      f->relay_client = g_simple_io_stream_new (
          g_io_stream_get_input_stream (G_IO_STREAM (f->client_side)),
          g_io_stream_get_output_stream (G_IO_STREAM (f->client_side)));
      f->relay_remote = g_simple_io_stream_new (
          g_io_stream_get_input_stream (G_IO_STREAM (f->remote_side)),
          g_io_stream_get_output_stream (G_IO_STREAM (f->remote_side)));
    }
  else
    {
      f->relay_client = g_object_ref (G_IO_STREAM (f->client_side));
      f->relay_remote = g_object_ref (G_IO_STREAM (f->remote_side));
    }

  if (f->client_app != NULL)
    {
      f->client_app_rfd = f->client_app_wfd = conn_fd (f->client_app);
      f->client_in_fd = conn_fd (f->client_side);
    }

  f->session = sy_session_new (SY_NETWORK_TCP, "test", NULL);
  sy_session_set_destination (f->session, "127.0.0.1", 80);
}

static void
close_connection (GSocketConnection **connection)
{
  if (*connection != NULL)
    g_io_stream_close (G_IO_STREAM (*connection), NULL, NULL);
  g_clear_object (connection);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  /* whatever the loop still has to run must not end the relay twice */
  drain_loop ();
  g_assert_cmpuint (f->done_count, ==, 1);

  g_clear_error (&f->error);
  g_clear_object (&f->relay_client);
  g_clear_object (&f->relay_remote);
  close_connection (&f->client_app);
  close_connection (&f->client_side);
  close_connection (&f->remote_side);
  close_connection (&f->server_app);
  if (f->mode == MODE_PIPES)
    {
      if (f->client_app_rfd >= 0)
        close (f->client_app_rfd);
      if (f->client_app_wfd >= 0)
        close (f->client_app_wfd);
    }
  g_clear_pointer (&f->session, sy_session_unref);
  drain_loop ();

  sy_relay_release_cache ();
  g_assert_cmpuint (count_fds (), ==, f->n_fds);
}

static void
relay_done_cb (SySession    *session,
               const GError *error,
               gpointer      user_data)
{
  Fixture *f = user_data;

  g_assert_true (session == f->session);
  f->done_count++;
  g_assert_cmpuint (f->done_count, ==, 1);
  f->error = error != NULL ? g_error_copy (error) : NULL;
  f->closed_at_done = g_io_stream_is_closed (f->relay_client)
                      && g_io_stream_is_closed (f->relay_remote);
}

static void
start_relay_full (Fixture *f,
                  GBytes  *client_pending,
                  guint    idle_timeout_ms)
{
  SyRelayOptions options = SY_RELAY_OPTIONS_INIT;

  options.idle_timeout_ms = idle_timeout_ms;
  options.allow_splice = (f->mode != MODE_BUFFERED);

  f->relay = sy_relay_start (f->session, f->relay_client, f->relay_remote, client_pending,
                             &options, relay_done_cb, f);
  g_assert_nonnull (f->relay);
  g_assert_cmpint (sy_relay_is_spliced (f->relay), ==,
                   f->mode == MODE_SPLICE || f->mode == MODE_UNIX);

  /* done always comes from the main loop, never from inside start */
  g_assert_cmpuint (f->done_count, ==, 0);
}

/* The client application ends its side: a FIN, or for a pipe its close. */
static void
client_app_end_writes (Fixture *f)
{
  if (f->mode == MODE_PIPES)
    {
      g_assert_cmpint (close (f->client_app_wfd), ==, 0);
      f->client_app_wfd = -1;
    }
  else
    {
      g_assert_cmpint (shutdown (f->client_app_wfd, SHUT_WR), ==, 0);
    }
}

static PeerJob
client_writer (Fixture *f,
               gsize    size,
               guint32  seed)
{
  PeerJob job = { .fd = f->client_app_wfd, .size = size, .seed = seed, .shutdown_at_end = TRUE,
                  .fd_owner = f->mode == MODE_PIPES ? &f->client_app_wfd : NULL };

  return job;
}

static void
start_relay (Fixture *f)
{
  start_relay_full (f, NULL, 0);
}

/* A relay that ended closed its sockets, so their peers read EOF. Socket
 * streams wrapped in a GSimpleIOStream do not own their socket: closing the
 * wrapper leaves the socket to its owner, so there is nothing to see. */
static void
assert_peer_sees_eof (Fixture *f,
                      int      fd)
{
  g_autoptr(GByteArray) rest = NULL;

  if (f->mode == MODE_WRAPPED)
    return;

  rest = read_to_eof_in_loop (fd);
  g_assert_cmpuint (rest->len, ==, 0);
}

/* Cases ------------------------------------------------------------------ */

static void
test_transfer (Fixture       *f,
               gconstpointer  data)
{
  PeerJob up_writer = client_writer (f, BULK_SIZE, 1);
  PeerJob down_writer = { .fd = f->server_app_fd, .size = BULK_SIZE + 12345, .seed = 2,
                          .shutdown_at_end = TRUE };
  PeerJob up_reader = { .fd = f->server_app_fd };
  PeerJob down_reader = { .fd = f->client_app_rfd };

  start_relay (f);

  peer_start (&up_reader, reader_thread, "up-reader");
  peer_start (&down_reader, reader_thread, "down-reader");
  peer_start (&up_writer, writer_thread, "up-writer");
  peer_start (&down_writer, writer_thread, "down-writer");

  run_until_done (f);

  peer_join (&up_writer);
  peer_join (&down_writer);
  peer_join (&up_reader);
  peer_join (&down_reader);

  g_assert_no_error (f->error);
  g_assert_true (f->closed_at_done);
  g_assert_cmpuint (up_reader.total, ==, BULK_SIZE);
  g_assert_cmpuint (down_reader.total, ==, BULK_SIZE + 12345);
  g_assert_cmpstr (up_reader.sha256, ==, up_writer.sha256);
  g_assert_cmpstr (down_reader.sha256, ==, down_writer.sha256);
  g_assert_cmpuint (f->session->bytes_up, ==, BULK_SIZE);
  g_assert_cmpuint (f->session->bytes_down, ==, BULK_SIZE + 12345);

  peer_clear (&up_writer);
  peer_clear (&down_writer);
  peer_clear (&up_reader);
  peer_clear (&down_reader);
}

static void
test_half_close (Fixture       *f,
                 gconstpointer  data)
{
  PeerJob down_writer = { .fd = f->server_app_fd, .size = 2 * 1024 * 1024, .seed = 3,
                          .shutdown_at_end = TRUE };
  PeerJob down_reader = { .fd = f->client_app_rfd };
  g_autoptr(GByteArray) request = NULL;

  start_relay (f);

  /* the client sends its request and shuts down its write side … */
  send_small (f->client_app_wfd, "request");
  client_app_end_writes (f);

  /* … the destination gets the request and then EOF … */
  request = read_to_eof_in_loop (f->server_app_fd);
  g_assert_cmpmem (request->data, request->len, "request", 7);

  /* … yet the relay carries on: the answer comes after the client's EOF */
  drain_loop ();
  g_assert_cmpuint (f->done_count, ==, 0);

  peer_start (&down_reader, reader_thread, "down-reader");
  peer_start (&down_writer, writer_thread, "down-writer");
  run_until_done (f);
  peer_join (&down_writer);
  peer_join (&down_reader);

  g_assert_no_error (f->error);
  g_assert_cmpuint (down_reader.total, ==, down_writer.size);
  g_assert_cmpstr (down_reader.sha256, ==, down_writer.sha256);
  g_assert_cmpuint (f->session->bytes_up, ==, 7);
  g_assert_cmpuint (f->session->bytes_down, ==, down_writer.size);

  peer_clear (&down_writer);
  peer_clear (&down_reader);
}

static void
test_pending_first (Fixture       *f,
                    gconstpointer  data)
{
  /* larger than a buffer and a pipe, so it cannot go out in one write */
  g_autoptr(GBytes) pending = random_bytes (300 * 1024, 4);
  PeerJob up_writer = client_writer (f, 1024 * 1024, 5);
  PeerJob up_reader = { .fd = f->server_app_fd, .shutdown_at_end = TRUE };

  up_writer.unsent_prefix = g_bytes_ref (pending);

  start_relay_full (f, pending, 0);

  peer_start (&up_reader, reader_thread, "up-reader");
  peer_start (&up_writer, writer_thread, "up-writer");
  run_until_done (f);
  peer_join (&up_writer);
  peer_join (&up_reader);

  g_assert_no_error (f->error);
  g_assert_cmpuint (up_reader.total, ==, g_bytes_get_size (pending) + up_writer.size);
  g_assert_cmpstr (up_reader.sha256, ==, up_writer.sha256);
  g_assert_cmpuint (f->session->bytes_up, ==, up_reader.total);
  g_assert_cmpuint (f->session->bytes_down, ==, 0);

  peer_clear (&up_writer);
  peer_clear (&up_reader);
}

static void
exchange_ping (Fixture *f)
{
  guint8 buffer[16];

  send_small (f->client_app_wfd, "ping");
  run_until_readable (f->server_app_fd);
  g_assert_cmpint (read (f->server_app_fd, buffer, sizeof buffer), ==, 4);
  g_assert_cmpmem (buffer, 4, "ping", 4);
}

static void
test_idle_timeout (Fixture       *f,
                   gconstpointer  data)
{
  start_relay_full (f, NULL, 200);
  exchange_ping (f);

  run_until_done (f);

  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (f->error->message, "idle"));
  g_assert_true (f->closed_at_done);
  assert_peer_sees_eof (f, f->client_app_rfd);
  assert_peer_sees_eof (f, f->server_app_fd);
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  start_relay (f);
  exchange_ping (f);

  g_cancellable_cancel (f->session->cancellable);
  run_until_done (f);

  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (f->closed_at_done);
  assert_peer_sees_eof (f, f->client_app_rfd);
  assert_peer_sees_eof (f, f->server_app_fd);
}

static void
test_cancel_before_start (Fixture       *f,
                          gconstpointer  data)
{
  g_cancellable_cancel (f->session->cancellable);
  start_relay (f);
  run_until_done (f);

  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (f->closed_at_done);
}

static void
test_reset_by_destination (Fixture       *f,
                           gconstpointer  data)
{
  start_relay (f);
  exchange_ping (f);

  reset_connection (f->server_app);
  run_until_done (f);

  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_nonnull (strstr (f->error->message, "reset by the destination"));
  g_assert_true (f->closed_at_done);
}

static void
test_reset_by_client (Fixture       *f,
                      gconstpointer  data)
{
  start_relay (f);
  exchange_ping (f);

  reset_connection (f->client_app);
  run_until_done (f);

  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_nonnull (strstr (f->error->message, "reset by the client"));
  g_assert_true (f->closed_at_done);
}

static void
test_backpressure (Fixture       *f,
                   gconstpointer  data)
{
  int client_fd = f->client_app_wfd;
  g_autoptr(GChecksum) sent_sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GRand) rand = g_rand_new_with_seed (6);
  guint8 chunk[16384];
  gsize chunk_off = sizeof chunk;
  guint64 written = 0;
  guint64 last_up = G_MAXUINT64;
  guint stalled = 0;
  int unread = 0;
  int unsent = 0;
  gint64 held;
  PeerJob up_reader = { .fd = f->server_app_fd, .shutdown_at_end = TRUE };

  start_relay (f);

  /* The destination reads nothing. The client writes until its kernel says
   * WOULD_BLOCK and the relay, given every chance to run, moves nothing more:
   * a relay without backpressure would instead read (and buffer) forever. */
  while (stalled < 5)
    {
      gsize this_round = 0;

      for (;;)
        {
          gssize n;

          if (chunk_off == sizeof chunk)
            {
              for (gsize i = 0; i < sizeof chunk; i++)
                chunk[i] = g_rand_int (rand);
              chunk_off = 0;
            }

          n = write (client_fd, chunk + chunk_off, sizeof chunk - chunk_off);
          if (n < 0)
            {
              g_assert_cmpint (errno, ==, EAGAIN);
              break;
            }

          g_checksum_update (sent_sum, chunk + chunk_off, n);
          chunk_off += n;
          written += n;
          this_round += n;
        }

      drain_loop ();

      if (this_round == 0 && f->session->bytes_up == last_up)
        stalled++;
      else
        stalled = 0;
      last_up = f->session->bytes_up;

      g_assert_cmpuint (written, <, 256 * 1024 * 1024);
      g_assert_cmpuint (f->done_count, ==, 0);
    }

  /* the relay left bytes unread at its end of the client connection */
  g_assert_cmpint (ioctl (f->client_in_fd, FIONREAD, &unread), ==, 0);
  /* a pipe has no send queue: what the client wrote is all in FIONREAD */
  if (f->mode != MODE_PIPES)
    g_assert_cmpint (ioctl (client_fd, SIOCOUTQNSD, &unsent), ==, 0);
  g_test_message ("stalled: client wrote %" G_GUINT64_FORMAT ", relay moved %" G_GUINT64_FORMAT
                  ", %d unread at the relay's client socket, %d not yet sent by the client",
                  written, f->session->bytes_up, unread, unsent);
  g_assert_cmpint (unread, >, 0);
  g_assert_cmpuint (f->session->bytes_up, <, written);

  /* What the relay read but did not pass on is what it holds in memory (or
   * in its pipe): one buffer's worth, whatever the client has sent. */
  held = (gint64) written - unsent - unread - (gint64) f->session->bytes_up;
  g_assert_cmpint (held, <=, 1024 * 1024);

  /* once the destination reads, everything arrives, in order */
  client_app_end_writes (f);
  peer_start (&up_reader, reader_thread, "up-reader");
  run_until_done (f);
  peer_join (&up_reader);

  g_assert_no_error (f->error);
  g_assert_cmpuint (up_reader.total, ==, written);
  g_assert_cmpstr (up_reader.sha256, ==, g_checksum_get_string (sent_sum));
  g_assert_cmpuint (f->session->bytes_up, ==, written);

  peer_clear (&up_reader);
}

/* A stream the relay cannot poll is refused from the loop, not from start. */
static void
test_not_pollable (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GInputStream) buffered = NULL;

  buffered = g_buffered_input_stream_new (g_io_stream_get_input_stream (f->relay_client));
  g_clear_object (&f->relay_client);
  f->relay_client = g_simple_io_stream_new (buffered,
                                            g_io_stream_get_output_stream (G_IO_STREAM (f->client_side)));

  f->relay = sy_relay_start (f->session, f->relay_client, f->relay_remote, NULL, NULL,
                             relay_done_cb, f);
  g_assert_false (sy_relay_is_spliced (f->relay));
  g_assert_cmpuint (f->done_count, ==, 0);

  run_until_done (f);
  g_assert_error (f->error, SY_ERROR, SY_ERROR_UNSUPPORTED);
  g_assert_true (f->closed_at_done);
}

static void
add_case (const char *name,
          Mode        mode,
          void      (*func) (Fixture *, gconstpointer))
{
  static const char *mode_names[] = { "splice", "buffered", "wrapped", "unix", "pipes" };
  g_autofree char *path = g_strdup_printf ("/core/relay/%s/%s", mode_names[mode], name);

  g_test_add (path, Fixture, GINT_TO_POINTER (mode), fixture_setup, func, fixture_teardown);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* Create the default main context (its wakeup fd), the GIO types and
   * GTask's worker context (closing wrapped streams runs a GTask) before any
   * case counts its fds. */
  g_type_ensure (G_TYPE_TASK);
  {
    GSocketConnection *a, *b;

    g_main_context_iteration (g_main_context_default (), FALSE);
    make_tcp_pair (&a, &b);
    g_object_unref (a);
    g_object_unref (b);
  }

  add_case ("not-pollable", MODE_BUFFERED, test_not_pollable);

  for (Mode mode = MODE_SPLICE; mode <= MODE_PIPES; mode++)
    {
      add_case ("transfer", mode, test_transfer);
      add_case ("half-close", mode, test_half_close);
      add_case ("pending-first", mode, test_pending_first);

      if (mode == MODE_UNIX)
        continue;

      add_case ("idle-timeout", mode, test_idle_timeout);
      add_case ("cancel", mode, test_cancel);
      add_case ("cancel-before-start", mode, test_cancel_before_start);
      add_case ("backpressure", mode, test_backpressure);

      /* a pipe has no reset */
      if (mode == MODE_PIPES)
        continue;

      add_case ("reset-by-destination", mode, test_reset_by_destination);
      add_case ("reset-by-client", mode, test_reset_by_client);
    }

  return g_test_run ();
}
