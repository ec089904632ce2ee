/* test-stdio-tunnel.c — the STDIO tunnel as ssh's ProxyCommand uses it
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real use is a process whose stdin and stdout are pipes to ssh. This
 * test re-executes itself in that role ("--stdio-tunnel HOST PORT": a
 * dispatcher, the direct outbound and the tunnel on descriptors 0 and 1,
 * exit when it finishes) with pipes for both, against the threaded echo
 * server of this process. In-process tests drive sy_stdio_tunnel_start_with_fds()
 * with pipes for the details: flags restored, close requests, unpollable input.
 */

#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <glib-unix.h>

#include "engine/sy-dispatcher.h"
#include "inbound/sy-stdio-tunnel.h"
#include "inbound/sy-tunnel-conn.h"
#include "outbound/sy-direct-outbound.h"
#include "relay/sy-relay.h"
#include "util/sy-error.h"

#include "sy-test-peers.h"
#include "tunnel-test-util.h"

#define PROXY_COMMAND_TRANSFER (4 * 1024 * 1024)

/* The child: a ProxyCommand ---------------------------------------------- */

static void
child_finished_cb (SyStdioTunnel *tunnel,
                   const GError  *error,
                   gpointer       user_data)
{
  g_main_loop_quit (user_data);
}

static int
run_proxy_command (const char *host,
                   const char *port_text)
{
  g_autoptr(SyDispatcher) dispatcher = sy_dispatcher_new ();
  g_autoptr(SyOutbound) direct = sy_direct_outbound_new ("direct");
  g_autoptr(SyStdioTunnel) tunnel = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *stdin_target = NULL;
  g_autofree char *stdout_target = NULL;
  SySession *session;

  sy_dispatcher_set_outbound (dispatcher, direct);
  sy_dispatcher_set_timeouts (dispatcher, 5000, 0);

  tunnel = sy_stdio_tunnel_new (dispatcher, "stdio", host, atoi (port_text), "direct");
  g_signal_connect (tunnel, "finished", G_CALLBACK (child_finished_cb), loop);
  if (!sy_stdio_tunnel_start (tunnel, &error))
    {
      fprintf (stderr, "start failed: %s\n", error->message);
      return 2;
    }

  g_main_loop_run (loop);

  session = sy_stdio_tunnel_get_session (tunnel);
  stdin_target = g_file_read_link ("/proc/self/fd/0", NULL);
  stdout_target = g_file_read_link ("/proc/self/fd/1", NULL);
  fprintf (stderr, "bytes_up=%" G_GUINT64_FORMAT " bytes_down=%" G_GUINT64_FORMAT
           " state=%s released=%s,%s error=%s\n",
           session->bytes_up, session->bytes_down,
           sy_session_state_to_string (session->state),
           stdin_target, stdout_target,
           sy_stdio_tunnel_get_error (tunnel) != NULL
             ? sy_stdio_tunnel_get_error (tunnel)->message : "none");

  return sy_stdio_tunnel_get_error (tunnel) != NULL ? 1 : 0;
}

/* The parent ----------------------------------------------------------- */

static char *
self_executable (void)
{
  g_autoptr(GError) error = NULL;
  char *path = g_file_read_link ("/proc/self/exe", &error);

  g_assert_no_error (error);
  return path;
}

static GSubprocess *
spawn_proxy_command (guint16 port)
{
  g_autofree char *self = self_executable ();
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autoptr(GError) error = NULL;
  GSubprocess *child;

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                            G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                            self, "--stdio-tunnel", "127.0.0.1", port_text, NULL);
  g_assert_no_error (error);
  return child;
}

static void
test_proxy_command_echo (void)
{
  g_autoptr(SyTestServer) echo = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GBytes) output = NULL;
  g_autoptr(GBytes) errors = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *log = NULL;
  guint8 *data;
  gint64 start;

  echo = sy_test_echo_server_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);

  data = g_malloc (PROXY_COMMAND_TRANSFER);
  pattern_fill (data, PROXY_COMMAND_TRANSFER, 0);
  input = g_bytes_new_take (data, PROXY_COMMAND_TRANSFER);

  /* all of stdin, then EOF — as ssh does when it is done — then the child
   * must finish by itself once the echo server has answered everything */
  start = g_get_monotonic_time ();
  child = spawn_proxy_command (sy_test_server_get_port (echo));
  g_subprocess_communicate (child, input, NULL, &output, &errors, &error);
  g_assert_no_error (error);
  g_test_message ("4 MiB each way through a STDIO tunnel process in %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);

  log = g_strndup (g_bytes_get_data (errors, NULL), g_bytes_get_size (errors));
  g_test_message ("child: %s", log);
  g_assert_true (g_subprocess_get_if_exited (child));
  g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);
  g_assert_true (g_bytes_equal (output, input));

  expected = g_strdup_printf ("bytes_up=%u bytes_down=%u state=closed "
                              "released=/dev/null,/dev/null error=none",
                              PROXY_COMMAND_TRANSFER, PROXY_COMMAND_TRANSFER);
  g_assert_nonnull (strstr (log, expected));
  g_assert_cmpuint (sy_test_server_get_accepted (echo), ==, 1);
}

static void
test_proxy_command_refused (void)
{
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GBytes) input = g_bytes_new_static ("SSH-2.0-test\r\n", 14);
  g_autoptr(GBytes) output = NULL;
  g_autoptr(GBytes) errors = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;

  /* nothing listens there: the child must end at once, failed, with its
   * stdout closed empty — which is how ssh learns the proxy failed */
  child = spawn_proxy_command (sy_test_find_free_port ("127.0.0.1"));
  g_subprocess_communicate (child, input, NULL, &output, &errors, &error);
  g_assert_no_error (error);

  log = g_strndup (g_bytes_get_data (errors, NULL), g_bytes_get_size (errors));
  g_test_message ("child: %s", log);
  g_assert_true (g_subprocess_get_if_exited (child));
  g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 1);
  g_assert_cmpuint (g_bytes_get_size (output), ==, 0);
  g_assert_nonnull (strstr (log, "state=failed released=/dev/null,/dev/null"));
  g_assert_nonnull (strstr (log, "refused"));
}

/* In-process, with pipes -------------------------------------------------- */

typedef struct
{
  SyDispatcher *dispatcher;
  SyTestServer *echo;
  guint16       echo_port;

  int           to_tunnel[2];     /* we write [1], the tunnel reads [0] */
  int           from_tunnel[2];   /* the tunnel writes [1], we read [0] */
  gboolean      finished;
  GError       *finish_error;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  user_data)
{
  g_autoptr(SyOutbound) direct = sy_direct_outbound_new ("direct");
  g_autoptr(GError) error = NULL;

  f->dispatcher = sy_dispatcher_new ();
  sy_dispatcher_set_outbound (f->dispatcher, direct);
  sy_dispatcher_set_timeouts (f->dispatcher, 5000, 0);

  f->echo = sy_test_echo_server_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);
  f->echo_port = sy_test_server_get_port (f->echo);

  g_assert_true (g_unix_open_pipe (f->to_tunnel, FD_CLOEXEC, NULL));
  g_assert_true (g_unix_open_pipe (f->from_tunnel, FD_CLOEXEC, NULL));
}

static void
close_if_open (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  user_data)
{
  sy_dispatcher_close_all (f->dispatcher);
  wait_sessions_gone (f->dispatcher);
  g_clear_object (&f->dispatcher);
  g_clear_pointer (&f->echo, sy_test_server_free);
  g_clear_error (&f->finish_error);
  close_if_open (&f->to_tunnel[1]);
  close_if_open (&f->from_tunnel[0]);
  sy_relay_release_cache ();
}

static void
finished_cb (SyStdioTunnel *tunnel,
             const GError  *error,
             gpointer       user_data)
{
  Fixture *f = user_data;

  g_assert_false (f->finished);
  f->finished = TRUE;
  if (error != NULL)
    f->finish_error = g_error_copy (error);
}

static void
wait_finished (Fixture *f)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!f->finished)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      iterate_for (5);
    }
}

static SyStdioTunnel *
start_tunnel (Fixture *f,
              guint16  port)
{
  g_autoptr(SyStdioTunnel) tunnel = NULL;
  g_autoptr(GError) error = NULL;

  tunnel = sy_stdio_tunnel_new (f->dispatcher, "stdio", "127.0.0.1", port, NULL);
  g_signal_connect (tunnel, "finished", G_CALLBACK (finished_cb), f);
  g_assert_true (sy_stdio_tunnel_start_with_fds (tunnel, f->to_tunnel[0], f->from_tunnel[1],
                                                 &error));
  g_assert_no_error (error);
  /* the tunnel owns them now */
  f->to_tunnel[0] = -1;
  f->from_tunnel[1] = -1;

  return g_steal_pointer (&tunnel);
}

static gboolean
fd_is_open (int fd)
{
  return fcntl (fd, F_GETFD) >= 0;
}

static void
test_pipes_half_close (Fixture       *f,
                       gconstpointer  user_data)
{
  g_autoptr(SyStdioTunnel) tunnel = NULL;
  g_autoptr(GPtrArray) log = NULL;
  int watch;
  char buffer[64];
  SySession *session;

  /* A second descriptor on the tunnel's input pipe: it shares the open
   * file description, so it shows the flags the tunnel leaves behind. */
  watch = dup (f->to_tunnel[0]);
  g_assert_cmpint (fcntl (watch, F_GETFL) & O_NONBLOCK, ==, 0);

  tunnel = start_tunnel (f, f->echo_port);
  g_assert_cmpint (fcntl (watch, F_GETFL) & O_NONBLOCK, !=, 0);
  session = sy_stdio_tunnel_get_session (tunnel);
  g_assert_nonnull (session);
  g_assert_cmpstr (session->protocol, ==, SY_TUNNEL_PROTOCOL_STDIO);
  g_assert_null (session->client_address);

  g_assert_cmpint (write (f->to_tunnel[1], "hello", 5), ==, 5);
  /* EOF on the tunnel's input: the echo server sees it, answers what it
   * had and closes; the tunnel then closes its output and finishes */
  close_if_open (&f->to_tunnel[1]);
  wait_finished (f);
  g_assert_no_error (f->finish_error);
  g_assert_true (sy_stdio_tunnel_is_finished (tunnel));

  g_assert_cmpint (read (f->from_tunnel[0], buffer, sizeof buffer), ==, 5);
  g_assert_cmpmem (buffer, 5, "hello", 5);
  g_assert_cmpint (read (f->from_tunnel[0], buffer, sizeof buffer), ==, 0);

  /* The EOF above proves the output descriptor closed (it was the pipe's
   * only write end); the input's release shows in the shared flags. */
  g_assert_cmpint (fcntl (watch, F_GETFL) & O_NONBLOCK, ==, 0);
  close (watch);

  wait_sessions_gone (f->dispatcher);
  log = sy_dispatcher_get_connection_log (f->dispatcher);
  g_assert_cmpuint (log->len, ==, 1);
  session = g_ptr_array_index (log, 0);
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_CLOSED);
  g_assert_cmpuint (session->bytes_up, ==, 5);
  g_assert_cmpuint (session->bytes_down, ==, 5);
}

static void
test_pipes_close_request (Fixture       *f,
                          gconstpointer  user_data)
{
  g_autoptr(SyStdioTunnel) tunnel = NULL;
  g_autoptr(SySession) logged = NULL;
  char buffer[64];
  guint64 id;

  tunnel = start_tunnel (f, f->echo_port);
  id = sy_stdio_tunnel_get_session (tunnel)->id;

  /* wait until it relays, then close it from the control side */
  g_assert_cmpint (write (f->to_tunnel[1], "x", 1), ==, 1);
  while (sy_stdio_tunnel_get_session (tunnel)->bytes_down < 1)
    iterate_for (5);
  sy_stdio_tunnel_close (tunnel);
  wait_finished (f);
  g_assert_error (f->finish_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* the reader sees the end after the echoed byte */
  g_assert_cmpint (read (f->from_tunnel[0], buffer, sizeof buffer), ==, 1);
  g_assert_cmpint (read (f->from_tunnel[0], buffer, sizeof buffer), ==, 0);

  wait_sessions_gone (f->dispatcher);
  logged = find_logged_session (f->dispatcher, id);
  g_assert_nonnull (logged);
  g_assert_cmpstr (logged->error, ==, "closed on request");
}

static void
test_pipes_idle_timeout (Fixture       *f,
                         gconstpointer  user_data)
{
  g_autoptr(SyStdioTunnel) tunnel = NULL;
  g_autoptr(GError) error = NULL;

  tunnel = sy_stdio_tunnel_new (f->dispatcher, "stdio", "127.0.0.1", f->echo_port, "direct");
  sy_stdio_tunnel_set_idle_timeout (tunnel, 200);
  g_signal_connect (tunnel, "finished", G_CALLBACK (finished_cb), f);
  g_assert_true (sy_stdio_tunnel_start_with_fds (tunnel, f->to_tunnel[0], f->from_tunnel[1],
                                                 &error));
  f->to_tunnel[0] = f->from_tunnel[1] = -1;

  wait_finished (f);
  g_assert_error (f->finish_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (sy_stdio_tunnel_get_session (tunnel)->state, ==, SY_SESSION_STATE_CLOSED);
}

static void
test_unpollable_input (Fixture       *f,
                       gconstpointer  user_data)
{
  g_autoptr(SyStdioTunnel) tunnel = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  int file;

  file = g_file_open_tmp ("sy-stdio-XXXXXX", &path, &error);
  g_assert_no_error (error);

  tunnel = sy_stdio_tunnel_new (f->dispatcher, "stdio", "127.0.0.1", f->echo_port, NULL);
  g_assert_false (sy_stdio_tunnel_start_with_fds (tunnel, file, f->from_tunnel[1], &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_UNSUPPORTED);
  g_assert_null (sy_stdio_tunnel_get_session (tunnel));
  g_assert_cmpuint (sy_dispatcher_get_active_count (f->dispatcher), ==, 0);

  /* nothing was taken or changed */
  g_assert_true (fd_is_open (file));
  g_assert_true (fd_is_open (f->from_tunnel[1]));
  g_assert_cmpint (fcntl (f->from_tunnel[1], F_GETFL) & O_NONBLOCK, ==, 0);

  close (file);
  g_unlink (path);
  close_if_open (&f->from_tunnel[1]);
  close_if_open (&f->to_tunnel[0]);
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 4 && g_str_equal (argv[1], "--stdio-tunnel"))
    return run_proxy_command (argv[2], argv[3]);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/tunnel/stdio/proxy-command-echo", test_proxy_command_echo);
  g_test_add_func ("/core/tunnel/stdio/proxy-command-refused", test_proxy_command_refused);
  g_test_add ("/core/tunnel/stdio/half-close", Fixture, NULL,
              fixture_set_up, test_pipes_half_close, fixture_tear_down);
  g_test_add ("/core/tunnel/stdio/close-request", Fixture, NULL,
              fixture_set_up, test_pipes_close_request, fixture_tear_down);
  g_test_add ("/core/tunnel/stdio/idle-timeout", Fixture, NULL,
              fixture_set_up, test_pipes_idle_timeout, fixture_tear_down);
  g_test_add ("/core/tunnel/stdio/unpollable-input", Fixture, NULL,
              fixture_set_up, test_unpollable_input, fixture_tear_down);

  return g_test_run ();
}
