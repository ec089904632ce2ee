/* sy-test-peers.c — real proxy servers and tiny in-process servers for tests
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-test-peers"

#include <crypt.h>
#include <signal.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "sy-test-peers.h"
#include "sy-test-process.h"

#define PEER_HOST             "127.0.0.1"
#define PEER_START_ATTEMPTS   5
#define PEER_READY_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define PEER_STOP_TIMEOUT_MS  3000
#define PEER_POLL_INTERVAL_US (20 * 1000)

struct _SyTestPeer
{
  char          *name;
  char          *dir;
  GStrv          argv;
  GStrv          env;       /* extra "KEY=VALUE" entries, or NULL */
  SyTestProcess *process;   /* NULL after a failed restart */
  guint16        port;
};

typedef struct
{
  const char *username;
  const char *password;
  const char *preload;
} PeerOptions;

/* Writes the peer's config for peer->port into peer->dir and sets
 * peer->argv (and peer->env, if it needs one). */
typedef gboolean (*PeerBuildFunc) (SyTestPeer         *peer,
                                   const PeerOptions  *options,
                                   GError            **error);

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

void
sy_test_rm_rf (const char *path)
{
  GDir *dir;

  if (path == NULL)
    return;
  if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK) && (dir = g_dir_open (path, 0, NULL)) != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          sy_test_rm_rf (child);
        }
      g_dir_close (dir);
      g_rmdir (path);
      return;
    }
  g_unlink (path);
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

gboolean
sy_test_peer_is_running (SyTestPeer *peer)
{
  g_return_val_if_fail (peer != NULL, FALSE);

  return peer->process != NULL && sy_test_process_is_running (peer->process);
}

void
sy_test_peer_signal (SyTestPeer *peer,
                     int         signum)
{
  g_return_if_fail (peer != NULL);

  if (peer->process != NULL)
    sy_test_process_signal (peer->process, signum);
}

int
sy_test_peer_wait (SyTestPeer *peer,
                   guint       timeout_ms)
{
  g_return_val_if_fail (peer != NULL, -1);
  g_return_val_if_fail (peer->process != NULL, -1);

  return sy_test_process_wait (peer->process, timeout_ms);
}

/* Ends the peer's process, politely first: danted's mother takes its
 * children with it on SIGTERM. */
static void
peer_kill (SyTestPeer *peer)
{
  if (peer->process == NULL)
    return;

  if (sy_test_process_is_running (peer->process))
    {
      sy_test_process_signal (peer->process, SIGTERM);
      sy_test_process_wait (peer->process, PEER_STOP_TIMEOUT_MS);
    }
  /* SIGKILL for whatever is left of the group. */
  g_clear_pointer (&peer->process, sy_test_process_free);
}

void
sy_test_peer_stop (SyTestPeer *peer)
{
  if (peer == NULL)
    return;

  peer_kill (peer);
  sy_test_rm_rf (peer->dir);
  g_free (peer->name);
  g_free (peer->dir);
  g_strfreev (peer->argv);
  g_strfreev (peer->env);
  g_free (peer);
}

/* Runs peer->argv; fails only when it cannot be run at all. */
static gboolean
peer_launch (SyTestPeer  *peer,
             GError     **error)
{
  g_assert (peer->process == NULL);

  peer->process = sy_test_process_spawn (peer->name, peer->dir,
                                         (const char * const *) peer->argv,
                                         (const char * const *) peer->env, error);
  if (peer->process == NULL)
    {
      g_prefix_error (error, "cannot start %s (is it installed?): ", peer->name);
      return FALSE;
    }
  return TRUE;
}

/* Blocks until the launched peer accepts connections; if it exits or stays
 * silent, ends it and fails with its output. */
static gboolean
peer_wait_listening (SyTestPeer  *peer,
                     GError     **error)
{
  g_autofree char *output = NULL;
  gint64 deadline = g_get_monotonic_time () + PEER_READY_TIMEOUT_US;

  while (sy_test_process_is_running (peer->process) && g_get_monotonic_time () < deadline)
    {
      if (probe_port (peer->port) && sy_test_process_is_running (peer->process))
        {
          g_debug ("%s is listening on %s:%u", peer->name, PEER_HOST, peer->port);
          return TRUE;
        }
      g_usleep (PEER_POLL_INTERVAL_US);
    }

  sy_test_process_signal (peer->process, SIGKILL);
  sy_test_process_wait (peer->process, PEER_STOP_TIMEOUT_MS);
  output = sy_test_process_dup_output (peer->process);
  g_clear_pointer (&peer->process, sy_test_process_free);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               "%s did not start listening on %s:%u; its output:\n%s",
               peer->name, PEER_HOST, peer->port, output);
  return FALSE;
}

static SyTestPeer *
peer_start (const char         *name,
            guint16             port,
            PeerBuildFunc       build,
            const PeerOptions  *options,
            GError            **error)
{
  g_autoptr(GError) last_error = NULL;
  /* A port of the caller's is kept: the test means that one. */
  guint attempts = port != 0 ? 1 : PEER_START_ATTEMPTS;

  for (guint attempt = 0; attempt < attempts; attempt++)
    {
      g_autoptr(SyTestPeer) peer = g_new0 (SyTestPeer, 1);

      peer->name = g_strdup (name);
      peer->dir = g_dir_make_tmp ("sy-test-peer-XXXXXX", error);
      if (peer->dir == NULL)
        return NULL;
      /* Bind-then-close leaves a window in which another test may take
       * the port: a peer that dies at start is retried on another one. */
      peer->port = port != 0 ? port : sy_test_find_free_port (PEER_HOST);

      if (!build (peer, options, error) || !peer_launch (peer, error))
        return NULL;
      g_clear_error (&last_error);
      if (peer_wait_listening (peer, &last_error))
        return g_steal_pointer (&peer);
      g_debug ("%s", last_error->message);
    }

  g_propagate_error (error, g_steal_pointer (&last_error));
  return NULL;
}

gboolean
sy_test_peer_restart (SyTestPeer  *peer,
                      GError     **error)
{
  g_return_val_if_fail (peer != NULL, FALSE);
  g_return_val_if_fail (!sy_test_peer_is_running (peer), FALSE);

  /* Reaps the old process and whatever it left in its group. */
  g_clear_pointer (&peer->process, sy_test_process_free);

  return peer_launch (peer, error) && peer_wait_listening (peer, error);
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

static char *
find_program (const char *name,
              const char *fallback)
{
  char *path = g_find_program_in_path (name);

  /* /usr/sbin is often not on a non-root PATH. */
  return path != NULL ? path : g_strdup (fallback);
}

static gboolean
build_microsocks (SyTestPeer         *peer,
                  const PeerOptions  *options,
                  GError            **error)
{
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_autofree char *program = find_program ("microsocks", "/usr/bin/microsocks");
  g_autofree char *port_text = g_strdup_printf ("%u", peer->port);

  g_strv_builder_add_many (argv, program, "-i", PEER_HOST, "-p", port_text, NULL);
  if (options->username != NULL)
    g_strv_builder_add_many (argv, "-u", options->username,
                             "-P", options->password != NULL ? options->password : "",
                             NULL);
  peer->argv = g_strv_builder_end (argv);

  if (options->preload != NULL)
    {
      peer->env = g_new0 (char *, 2);
      peer->env[0] = g_strconcat ("LD_PRELOAD=", options->preload, NULL);
    }
  return TRUE;
}

SyTestPeer *
sy_test_peer_start_microsocks (const char  *username,
                               const char  *password,
                               GError     **error)
{
  return sy_test_peer_start_microsocks_full (0, username, password, NULL, error);
}

SyTestPeer *
sy_test_peer_start_microsocks_full (guint16      port,
                                    const char  *username,
                                    const char  *password,
                                    const char  *preload,
                                    GError     **error)
{
  PeerOptions options = { username, password, preload };

  return peer_start ("microsocks", port, build_microsocks, &options, error);
}

gboolean
sy_test_can_isolate_accounts (void)
{
  g_autofree char *unshare = g_find_program_in_path ("unshare");

  return geteuid () == 0 && unshare != NULL;
}

/* Private copies of passwd and shadow with one extra account whose password
 * is hashed with SHA-512 crypt, the scheme Debian's shadow uses. */
static gboolean
write_private_accounts (const char  *dir,
                        const char  *username,
                        const char  *password,
                        char       **passwd_path,
                        char       **shadow_path,
                        GError     **error)
{
  g_autofree char *passwd = NULL;
  g_autofree char *shadow = NULL;
  g_autofree char *passwd_text = NULL;
  g_autofree char *shadow_text = NULL;
  struct crypt_data data = { 0 };
  const char *hash;

  if (!g_file_get_contents ("/etc/passwd", &passwd, NULL, error) ||
      !g_file_get_contents ("/etc/shadow", &shadow, NULL, error))
    return FALSE;

  hash = crypt_r (password, "$6$switchyardtest$", &data);
  if (hash == NULL || hash[0] == '*')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "crypt_r could not hash the password");
      return FALSE;
    }

  passwd_text = g_strdup_printf ("%s%s:x:64999:64999:switchyard test:/nonexistent:"
                                 "/usr/sbin/nologin\n", passwd, username);
  shadow_text = g_strdup_printf ("%s%s:%s:19000:0:99999:7:::\n", shadow, username, hash);

  *passwd_path = g_build_filename (dir, "passwd", NULL);
  *shadow_path = g_build_filename (dir, "shadow", NULL);
  return g_file_set_contents_full (*passwd_path, passwd_text, -1,
                                   G_FILE_SET_CONTENTS_NONE, 0644, error) &&
         g_file_set_contents_full (*shadow_path, shadow_text, -1,
                                   G_FILE_SET_CONTENTS_NONE, 0600, error);
}

static gboolean
build_danted (SyTestPeer         *peer,
              const PeerOptions  *options,
              GError            **error)
{
  g_autofree char *config_path = g_build_filename (peer->dir, "danted.conf", NULL);
  g_autofree char *pid_path = g_build_filename (peer->dir, "danted.pid", NULL);
  g_autofree char *program = find_program ("danted", "/usr/sbin/danted");
  g_autofree char *passwd_path = NULL;
  g_autofree char *shadow_path = NULL;
  g_autofree char *script = NULL;
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
                            "socksmethod: %s\n"
                            "user.privileged: %s\n"
                            "user.unprivileged: %s\n"
                            "client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }\n"
                            "socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }\n"
                            "socks pass { from: 127.0.0.0/8 to: ::/0 }\n",
                            peer->port, options->username != NULL ? "username" : "none",
                            user, user);
  if (!g_file_set_contents (config_path, config, -1, error))
    return FALSE;

  argv = g_strv_builder_new ();
  if (options->username == NULL)
    {
      /* Without -D danted stays in the foreground. */
      g_strv_builder_add_many (argv, program, "-f", config_path, "-p", pid_path, "-N", "1", NULL);
      peer->argv = g_strv_builder_end (argv);
      return TRUE;
    }

  if (!sy_test_can_isolate_accounts ())
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "danted with username authentication needs root (a private mount "
                   "namespace for its test account)");
      return FALSE;
    }
  if (!write_private_accounts (peer->dir, options->username,
                               options->password != NULL ? options->password : "",
                               &passwd_path, &shadow_path, error))
    return FALSE;

  /* unshare and sh both exec, so the PID we hold is danted's own. */
  script = g_strdup_printf ("mount --bind '%s' /etc/passwd && mount --bind '%s' /etc/shadow "
                            "&& exec '%s' -f '%s' -p '%s' -N 1",
                            passwd_path, shadow_path, program, config_path, pid_path);
  g_strv_builder_add_many (argv, "unshare", "--mount", "--propagation", "private",
                           "/bin/sh", "-c", script, NULL);
  peer->argv = g_strv_builder_end (argv);
  return TRUE;
}

SyTestPeer *
sy_test_peer_start_danted (GError **error)
{
  return sy_test_peer_start_danted_full (0, NULL, NULL, error);
}

SyTestPeer *
sy_test_peer_start_danted_full (guint16      port,
                                const char  *username,
                                const char  *password,
                                GError     **error)
{
  PeerOptions options = { username, password, NULL };

  return peer_start ("danted", port, build_danted, &options, error);
}

static gboolean
build_tinyproxy (SyTestPeer         *peer,
                 const PeerOptions  *options,
                 GError            **error)
{
  g_autofree char *config_path = g_build_filename (peer->dir, "tinyproxy.conf", NULL);
  g_autofree char *pid_path = g_build_filename (peer->dir, "tinyproxy.pid", NULL);
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
                          peer->port, pid_path);
  if (options->username != NULL)
    g_string_append_printf (config, "BasicAuth %s %s\n", options->username,
                            options->password != NULL ? options->password : "");
  if (!g_file_set_contents (config_path, config->str, -1, error))
    return FALSE;

  argv = g_strv_builder_new ();
  g_strv_builder_add_many (argv, program, "-d", "-c", config_path, NULL);
  peer->argv = g_strv_builder_end (argv);
  return TRUE;
}

SyTestPeer *
sy_test_peer_start_tinyproxy (const char  *username,
                              const char  *password,
                              GError     **error)
{
  PeerOptions options = { username, password, NULL };

  return peer_start ("tinyproxy", 0, build_tinyproxy, &options, error);
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
