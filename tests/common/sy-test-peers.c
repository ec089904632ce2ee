/* sy-test-peers.c — real proxy servers and tiny in-process servers for tests
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-test-peers"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>

#include "sy-test-peers.h"

#define PEER_HOST             "127.0.0.1"
#define PEER_START_ATTEMPTS   5
#define PEER_READY_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define PEER_STOP_TIMEOUT_US  (3 * G_USEC_PER_SEC)
#define PEER_POLL_INTERVAL_US (20 * 1000)

struct _SyTestPeer
{
  char        *name;
  char        *dir;
  char        *log_path;
  GSubprocess *process;
  GPid         pid;
  guint16      port;
};

/* Writes the peer's config for @port into @dir and returns its argv. */
typedef GStrv (*PeerBuildFunc) (const char  *dir,
                                guint16      port,
                                gpointer     data,
                                GError     **error);

guint16
sy_test_find_free_port (const char *address)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) any = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (inet);
  socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  any = g_inet_socket_address_new (inet, 0);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_dir (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static gboolean
peer_exited (SyTestPeer *peer)
{
  /* GSubprocess reaps on GLib's worker thread and then forgets the pid,
   * so this needs no main loop. */
  return g_subprocess_get_identifier (peer->process) == NULL;
}

static gboolean
probe_port (guint16 port)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (PEER_HOST);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (inet, port);
  gboolean ok;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  if (socket == NULL)
    return FALSE;
  g_socket_set_timeout (socket, 2);
  ok = g_socket_connect (socket, address, NULL, NULL);
  g_socket_close (socket, NULL);
  return ok;
}

char *
sy_test_peer_dup_log (SyTestPeer *peer)
{
  char *contents = NULL;

  g_return_val_if_fail (peer != NULL, NULL);

  if (!g_file_get_contents (peer->log_path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

static void
peer_kill (SyTestPeer *peer)
{
  gint64 deadline;

  if (peer->process == NULL)
    return;

  if (!peer_exited (peer))
    {
      /* The whole group: danted forks helpers that must go with it. */
      if (kill (-peer->pid, SIGTERM) != 0)
        g_subprocess_send_signal (peer->process, SIGTERM);

      deadline = g_get_monotonic_time () + PEER_STOP_TIMEOUT_US;
      while (!peer_exited (peer) && g_get_monotonic_time () < deadline)
        g_usleep (PEER_POLL_INTERVAL_US);

      if (!peer_exited (peer))
        {
          kill (-peer->pid, SIGKILL);
          g_subprocess_force_exit (peer->process);
        }
    }

  g_subprocess_wait (peer->process, NULL, NULL);
  /* Helpers that outlived their parent (they should not) go now. */
  kill (-peer->pid, SIGKILL);
  g_clear_object (&peer->process);
}

void
sy_test_peer_stop (SyTestPeer *peer)
{
  if (peer == NULL)
    return;

  peer_kill (peer);
  if (peer->dir != NULL)
    remove_dir (peer->dir);
  g_free (peer->name);
  g_free (peer->dir);
  g_free (peer->log_path);
  g_free (peer);
}

static void
peer_child_setup (gpointer user_data)
{
  /* Its own process group, so that stopping it reaches its children. */
  setpgid (0, 0);
  /* A test that aborts (a failed assertion, a meson timeout) never runs
   * its cleanup: the peer must not outlive it. The signal comes when the
   * thread that spawned it exits, so start peers from the main thread. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static SyTestPeer *
peer_start (const char     *name,
            PeerBuildFunc   build,
            gpointer        data,
            GError        **error)
{
  g_autoptr(GError) last_error = NULL;

  for (guint attempt = 0; attempt < PEER_START_ATTEMPTS; attempt++)
    {
      g_autoptr(SyTestPeer) peer = g_new0 (SyTestPeer, 1);
      g_autoptr(GSubprocessLauncher) launcher = NULL;
      g_auto(GStrv) argv = NULL;
      g_autofree char *log = NULL;
      const char *pid_text;
      gint64 deadline;

      peer->name = g_strdup (name);
      peer->dir = g_dir_make_tmp ("sy-test-peer-XXXXXX", error);
      if (peer->dir == NULL)
        return NULL;
      peer->log_path = g_build_filename (peer->dir, "log", NULL);
      /* Bind-then-close leaves a window in which another test may take
       * the port: a peer that dies at start is retried on another one. */
      peer->port = sy_test_find_free_port (PEER_HOST);

      argv = build (peer->dir, peer->port, data, error);
      if (argv == NULL)
        return NULL;

      launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT |
                                            G_SUBPROCESS_FLAGS_STDERR_MERGE);
      g_subprocess_launcher_set_stdout_file_path (launcher, peer->log_path);
      g_subprocess_launcher_set_cwd (launcher, peer->dir);
      g_subprocess_launcher_set_child_setup (launcher, peer_child_setup, NULL, NULL);
      peer->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, error);
      if (peer->process == NULL)
        {
          g_prefix_error (error, "cannot start %s (is it installed?): ", name);
          return NULL;
        }
      pid_text = g_subprocess_get_identifier (peer->process);
      peer->pid = pid_text != NULL ? (GPid) atoi (pid_text) : 0;

      deadline = g_get_monotonic_time () + PEER_READY_TIMEOUT_US;
      while (!peer_exited (peer) && g_get_monotonic_time () < deadline)
        {
          if (probe_port (peer->port) && !peer_exited (peer))
            {
              g_debug ("%s is listening on %s:%u", name, PEER_HOST, peer->port);
              return g_steal_pointer (&peer);
            }
          g_usleep (PEER_POLL_INTERVAL_US);
        }

      peer_kill (peer);
      log = sy_test_peer_dup_log (peer);
      g_clear_error (&last_error);
      last_error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                "%s did not start listening on %s:%u; its log:\n%s",
                                name, PEER_HOST, peer->port, log);
      g_debug ("%s", last_error->message);
    }

  g_propagate_error (error, g_steal_pointer (&last_error));
  return NULL;
}

const char *
sy_test_peer_get_host (SyTestPeer *peer)
{
  return PEER_HOST;
}

guint16
sy_test_peer_get_port (SyTestPeer *peer)
{
  g_return_val_if_fail (peer != NULL, 0);

  return peer->port;
}

typedef struct
{
  const char *username;
  const char *password;
} Credentials;

static char *
find_program (const char *name,
              const char *fallback)
{
  char *path = g_find_program_in_path (name);

  /* /usr/sbin is often not on a non-root PATH. */
  return path != NULL ? path : g_strdup (fallback);
}

static GStrv
build_microsocks (const char  *dir,
                  guint16      port,
                  gpointer     data,
                  GError     **error)
{
  const Credentials *credentials = data;
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_autofree char *program = find_program ("microsocks", "/usr/bin/microsocks");
  g_autofree char *port_text = g_strdup_printf ("%u", port);

  g_strv_builder_add_many (argv, program, "-i", PEER_HOST, "-p", port_text, NULL);
  if (credentials->username != NULL)
    g_strv_builder_add_many (argv, "-u", credentials->username,
                             "-P", credentials->password != NULL ? credentials->password : "",
                             NULL);
  return g_strv_builder_end (argv);
}

SyTestPeer *
sy_test_peer_start_microsocks (const char  *username,
                               const char  *password,
                               GError     **error)
{
  Credentials credentials = { username, password };

  return peer_start ("microsocks", build_microsocks, &credentials, error);
}

static GStrv
build_danted (const char  *dir,
              guint16      port,
              gpointer     data,
              GError     **error)
{
  g_autofree char *config_path = g_build_filename (dir, "danted.conf", NULL);
  g_autofree char *pid_path = g_build_filename (dir, "danted.pid", NULL);
  g_autofree char *program = find_program ("danted", "/usr/sbin/danted");
  g_autofree char *config = NULL;
  const char *user = g_get_user_name ();
  g_autoptr(GStrvBuilder) argv = NULL;

  /* danted insists on both user names; the current user works whether or
   * not the test runs as root (as root it only warns). */
  config = g_strdup_printf ("logoutput: stderr\n"
                            "internal: " PEER_HOST " port = %u\n"
                            "external: 127.0.0.1\n"
                            "external: ::1\n"
                            "clientmethod: none\n"
                            "socksmethod: none\n"
                            "user.privileged: %s\n"
                            "user.unprivileged: %s\n"
                            "client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }\n"
                            "socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }\n"
                            "socks pass { from: 127.0.0.0/8 to: ::/0 }\n",
                            port, user, user);
  if (!g_file_set_contents (config_path, config, -1, error))
    return NULL;

  argv = g_strv_builder_new ();
  g_strv_builder_add_many (argv, program, "-f", config_path, "-p", pid_path, "-N", "1", NULL);
  return g_strv_builder_end (argv);
}

SyTestPeer *
sy_test_peer_start_danted (GError **error)
{
  return peer_start ("danted", build_danted, NULL, error);
}

static GStrv
build_tinyproxy (const char  *dir,
                 guint16      port,
                 gpointer     data,
                 GError     **error)
{
  const Credentials *credentials = data;
  g_autofree char *config_path = g_build_filename (dir, "tinyproxy.conf", NULL);
  g_autofree char *pid_path = g_build_filename (dir, "tinyproxy.pid", NULL);
  g_autofree char *program = find_program ("tinyproxy", "/usr/bin/tinyproxy");
  g_autoptr(GString) config = g_string_new (NULL);
  g_autoptr(GStrvBuilder) argv = NULL;

  /* No ConnectPort line: CONNECT is then allowed to every port. */
  g_string_append_printf (config,
                          "Port %u\n"
                          "Listen " PEER_HOST "\n"
                          "Timeout 30\n"
                          "MaxClients 64\n"
                          "LogLevel Connect\n"
                          "PidFile \"%s\"\n"
                          "Allow 127.0.0.1\n"
                          "DisableViaHeader Yes\n",
                          port, pid_path);
  if (credentials->username != NULL)
    g_string_append_printf (config, "BasicAuth %s %s\n", credentials->username,
                            credentials->password != NULL ? credentials->password : "");
  if (!g_file_set_contents (config_path, config->str, -1, error))
    return NULL;

  argv = g_strv_builder_new ();
  g_strv_builder_add_many (argv, program, "-d", "-c", config_path, NULL);
  return g_strv_builder_end (argv);
}

SyTestPeer *
sy_test_peer_start_tinyproxy (const char  *username,
                              const char  *password,
                              GError     **error)
{
  Credentials credentials = { username, password };

  return peer_start ("tinyproxy", build_tinyproxy, &credentials, error);
}

/* ---- In-process servers ------------------------------------------------ */

struct _SyTestServer
{
  GSocket             *listener;
  GCancellable        *cancellable;
  GThread             *accept_thread;
  SyTestServerHandler  handler;
  gpointer             user_data;
  GMutex               lock;
  GPtrArray           *threads;   /* GThread, one per connection */
  guint                accepted;  /* atomic */
  guint                closed;    /* atomic */
  guint16              port;
};

typedef struct
{
  SyTestServer      *server;
  GSocketConnection *connection;
} ServerJob;

static gpointer
server_connection_thread (gpointer data)
{
  ServerJob *job = data;

  job->server->handler (job->connection, job->server->cancellable, job->server->user_data);
  g_io_stream_close (G_IO_STREAM (job->connection), NULL, NULL);
  g_object_unref (job->connection);
  g_atomic_int_inc (&job->server->closed);
  g_free (job);
  return NULL;
}

static gpointer
server_accept_thread (gpointer data)
{
  SyTestServer *server = data;

  for (;;)
    {
      g_autoptr(GSocket) socket = NULL;
      g_autoptr(GError) error = NULL;
      ServerJob *job;
      GThread *thread;

      socket = g_socket_accept (server->listener, server->cancellable, &error);
      if (socket == NULL)
        {
          if (g_cancellable_is_cancelled (server->cancellable))
            return NULL;
          g_warning ("test server: accept failed: %s", error->message);
          return NULL;
        }

      g_atomic_int_inc (&server->accepted);
      job = g_new0 (ServerJob, 1);
      job->server = server;
      job->connection = g_socket_connection_factory_create_connection (socket);
      thread = g_thread_new ("sy-test-conn", server_connection_thread, job);
      g_mutex_lock (&server->lock);
      g_ptr_array_add (server->threads, thread);
      g_mutex_unlock (&server->lock);
    }
}

SyTestServer *
sy_test_server_new (const char           *address,
                    guint16               port,
                    SyTestServerHandler   handler,
                    gpointer              user_data,
                    GError              **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) listener = NULL;
  SyTestServer *server;

  g_return_val_if_fail (address != NULL, NULL);
  g_return_val_if_fail (handler != NULL, NULL);

  inet = g_inet_address_new_from_string (address);
  g_return_val_if_fail (inet != NULL, NULL);

  listener = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                           G_SOCKET_PROTOCOL_TCP, error);
  if (listener == NULL)
    return NULL;
  local = g_inet_socket_address_new (inet, port);
  if (!g_socket_bind (listener, local, TRUE, error) || !g_socket_listen (listener, error))
    return NULL;
  bound = g_socket_get_local_address (listener, error);
  if (bound == NULL)
    return NULL;

  server = g_new0 (SyTestServer, 1);
  server->listener = g_steal_pointer (&listener);
  server->cancellable = g_cancellable_new ();
  server->handler = handler;
  server->user_data = user_data;
  server->threads = g_ptr_array_new ();
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_mutex_init (&server->lock);
  server->accept_thread = g_thread_new ("sy-test-accept", server_accept_thread, server);

  return server;
}

static void
echo_handler (GSocketConnection *connection,
              GCancellable      *cancellable,
              gpointer           user_data)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  guint8 buffer[16384];

  for (;;)
    {
      gssize n = g_input_stream_read (input, buffer, sizeof buffer, cancellable, NULL);

      if (n <= 0)
        return;
      if (!g_output_stream_write_all (output, buffer, n, NULL, cancellable, NULL))
        return;
    }
}

SyTestServer *
sy_test_echo_server_new (const char  *address,
                         guint16      port,
                         GError     **error)
{
  return sy_test_server_new (address, port, echo_handler, NULL, error);
}

guint16
sy_test_server_get_port (SyTestServer *server)
{
  g_return_val_if_fail (server != NULL, 0);

  return server->port;
}

guint
sy_test_server_get_accepted (SyTestServer *server)
{
  g_return_val_if_fail (server != NULL, 0);

  return g_atomic_int_get (&server->accepted);
}

guint
sy_test_server_get_closed (SyTestServer *server)
{
  g_return_val_if_fail (server != NULL, 0);

  return g_atomic_int_get (&server->closed);
}

void
sy_test_server_wait_idle (SyTestServer *server)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_return_if_fail (server != NULL);

  while (sy_test_server_get_closed (server) < sy_test_server_get_accepted (server))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (1000);
    }
}

void
sy_test_server_free (SyTestServer *server)
{
  if (server == NULL)
    return;

  g_cancellable_cancel (server->cancellable);
  g_thread_join (server->accept_thread);
  /* No new threads appear once the accept thread is gone. */
  for (guint i = 0; i < server->threads->len; i++)
    g_thread_join (g_ptr_array_index (server->threads, i));
  g_ptr_array_unref (server->threads);
  g_socket_close (server->listener, NULL);
  g_object_unref (server->listener);
  g_object_unref (server->cancellable);
  g_mutex_clear (&server->lock);
  g_free (server);
}

struct _SyTestBlackhole
{
  GSocket *listener;
  GSocket *filler;
  guint16  port;
};

SyTestBlackhole *
sy_test_blackhole_new (const char  *address,
                       guint16      port,
                       GError     **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSocket) filler = NULL;
  g_autoptr(GError) local_error = NULL;
  SyTestBlackhole *blackhole;

  g_return_val_if_fail (address != NULL, NULL);

  inet = g_inet_address_new_from_string (address);
  g_return_val_if_fail (inet != NULL, NULL);

  listener = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                           G_SOCKET_PROTOCOL_TCP, error);
  if (listener == NULL)
    return NULL;
  /* Backlog 0 lets one connection wait in the accept queue; once it is
   * there the kernel drops every further SYN, and nothing ever accepts. */
  g_socket_set_listen_backlog (listener, 0);
  local = g_inet_socket_address_new (inet, port);
  if (!g_socket_bind (listener, local, TRUE, error) || !g_socket_listen (listener, error))
    return NULL;
  bound = g_socket_get_local_address (listener, error);
  if (bound == NULL)
    return NULL;

  filler = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (filler == NULL)
    return NULL;
  g_socket_set_timeout (filler, 5);
  /* Wait until the filler is really in the queue, so the next SYN is the
   * first one dropped. */
  if (!g_socket_connect (filler, bound, NULL, error))
    return NULL;

  blackhole = g_new0 (SyTestBlackhole, 1);
  blackhole->listener = g_steal_pointer (&listener);
  blackhole->filler = g_steal_pointer (&filler);
  blackhole->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return blackhole;
}

guint16
sy_test_blackhole_get_port (SyTestBlackhole *blackhole)
{
  g_return_val_if_fail (blackhole != NULL, 0);

  return blackhole->port;
}

void
sy_test_blackhole_free (SyTestBlackhole *blackhole)
{
  if (blackhole == NULL)
    return;

  g_socket_close (blackhole->filler, NULL);
  g_object_unref (blackhole->filler);
  g_socket_close (blackhole->listener, NULL);
  g_object_unref (blackhole->listener);
  g_free (blackhole);
}

guint
sy_test_count_open_sockets (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;
  guint count = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      if (target != NULL && g_str_has_prefix (target, "socket:"))
        count++;
    }

  return count;
}
