/* sy-e2e.c — processes, peers and servers for the end-to-end tests
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-e2e"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "sy-e2e.h"

/* Environment variables that would send a child's traffic elsewhere. */
static const char * const proxy_variables[] = {
  "http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy",
  "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "FTP_PROXY",
};

/* ------------------------------------------------------------ processes */

struct _SyE2eProcess
{
  char        *name;
  GSubprocess *subprocess;
  GPid         pid;
  GThread     *reader;

  GMutex       mutex;
  GCond        cond;
  GString     *output;
  gboolean     eof;

  gboolean     exited;
  int          wait_status;
};

static void
child_setup (gpointer user_data)
{
  /* A group of its own: danted forks children, and a SIGKILL meant for
   * "the peer" must reach all of them. */
  setpgid (0, 0);
  /* A test that fails an assertion aborts without cleaning up; its peers
   * and its switchyardd must not outlive it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static gpointer
reader_thread (gpointer data)
{
  SyE2eProcess *self = data;
  GInputStream *stream = g_subprocess_get_stdout_pipe (self->subprocess);
  gboolean at_line_start = TRUE;
  char buf[4096];
  gssize n;

  while ((n = g_input_stream_read (stream, buf, sizeof buf, NULL, NULL)) > 0)
    {
      g_autoptr(GString) echo = g_string_new (NULL);

      for (gssize i = 0; i < n; i++)
        {
          if (at_line_start)
            g_string_append_printf (echo, "[%s] ", self->name);
          g_string_append_c (echo, buf[i]);
          at_line_start = buf[i] == '\n';
        }
      fputs (echo->str, stderr);

      g_mutex_lock (&self->mutex);
      g_string_append_len (self->output, buf, n);
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->mutex);
    }

  g_mutex_lock (&self->mutex);
  self->eof = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  return NULL;
}

SyE2eProcess *
sy_e2e_process_spawn (const char         *name,
                      const char * const *argv,
                      const char * const *env,
                      GError            **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  SyE2eProcess *self;
  const char *identifier;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_MERGE);
  for (gsize i = 0; i < G_N_ELEMENTS (proxy_variables); i++)
    g_subprocess_launcher_unsetenv (launcher, proxy_variables[i]);
  for (gsize i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (env[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, kv[0], kv[1] != NULL ? kv[1] : "", TRUE);
    }
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);

  subprocess = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (subprocess == NULL)
    return NULL;

  self = g_new0 (SyE2eProcess, 1);
  self->name = g_strdup (name);
  self->subprocess = g_steal_pointer (&subprocess);
  identifier = g_subprocess_get_identifier (self->subprocess);
  self->pid = identifier != NULL ? (GPid) g_ascii_strtoll (identifier, NULL, 10) : 0;
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->output = g_string_new (NULL);
  self->reader = g_thread_new (name, reader_thread, self);

  return self;
}

GPid
sy_e2e_process_get_pid (SyE2eProcess *self)
{
  return self->pid;
}

gboolean
sy_e2e_process_is_running (SyE2eProcess *self)
{
  /* GSubprocess forgets the identifier once the child has been reaped. */
  return !self->exited && g_subprocess_get_identifier (self->subprocess) != NULL;
}

char *
sy_e2e_process_dup_output (SyE2eProcess *self)
{
  char *copy;

  g_mutex_lock (&self->mutex);
  copy = g_strndup (self->output->str, self->output->len);
  g_mutex_unlock (&self->mutex);

  return copy;
}

gsize
sy_e2e_process_get_output_length (SyE2eProcess *self)
{
  gsize length;

  g_mutex_lock (&self->mutex);
  length = self->output->len;
  g_mutex_unlock (&self->mutex);

  return length;
}

gssize
sy_e2e_process_wait_output (SyE2eProcess *self,
                            gsize         from,
                            const char   *needle,
                            guint         timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gssize found = -1;

  g_mutex_lock (&self->mutex);
  for (;;)
    {
      if (from < self->output->len)
        {
          const char *match = g_strstr_len (self->output->str + from,
                                            self->output->len - from, needle);

          if (match != NULL)
            {
              found = (match - self->output->str) + strlen (needle);
              break;
            }
        }
      if (self->eof || !g_cond_wait_until (&self->cond, &self->mutex, deadline))
        break;
    }
  g_mutex_unlock (&self->mutex);

  return found;
}

void
sy_e2e_process_signal (SyE2eProcess *self,
                       int           signum)
{
  if (sy_e2e_process_is_running (self))
    kill (-self->pid, signum);
}

static void
wait_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

int
sy_e2e_process_wait (SyE2eProcess *self,
                     guint         timeout_ms)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(GSource) timeout = NULL;
  gboolean done = FALSE;

  if (self->exited)
    return self->wait_status;

  /* A private context: the caller's main loop, if any, is not ours to run. */
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  cancellable = g_cancellable_new ();
  timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timeout, timeout_cb, cancellable, NULL);
  g_source_attach (timeout, context);
  g_subprocess_wait_async (self->subprocess, cancellable, wait_done_cb, &done);
  while (!done)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  g_main_context_pop_thread_default (context);

  if (g_subprocess_get_identifier (self->subprocess) != NULL)
    return -1;

  self->exited = TRUE;
  self->wait_status = g_subprocess_get_status (self->subprocess);
  return self->wait_status;
}

void
sy_e2e_process_free (SyE2eProcess *self)
{
  if (self == NULL)
    return;

  if (sy_e2e_process_is_running (self))
    {
      kill (-self->pid, SIGKILL);
      sy_e2e_process_wait (self, 10000);
    }
  else
    {
      /* The leader is gone; children it left behind in its group are not ours to keep. */
      kill (-self->pid, SIGKILL);
    }
  g_thread_join (self->reader);

  g_clear_object (&self->subprocess);
  g_string_free (self->output, TRUE);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self->name);
  g_free (self);
}

int
sy_e2e_exit_code (int wait_status)
{
  if (WIFEXITED (wait_status))
    return WEXITSTATUS (wait_status);
  return -1;
}

/* ------------------------------------------------------------ switchyardd */

struct _SyE2eService
{
  char         *dir;
  char         *config_dir;
  SyE2eProcess *process;
};

SyE2eService *
sy_e2e_service_new (void)
{
  SyE2eService *self = g_new0 (SyE2eService, 1);

  self->dir = sy_e2e_make_temp_dir ();
  self->config_dir = g_build_filename (self->dir, "config", NULL);
  g_assert_no_errno (g_mkdir_with_parents (self->config_dir, 0700));

  return self;
}

const char *
sy_e2e_service_get_config_dir (SyE2eService *self)
{
  return self->config_dir;
}

void
sy_e2e_service_write_file (SyE2eService *self,
                           const char   *relative_path,
                           const char   *text)
{
  g_autofree char *path = g_build_filename (self->config_dir, relative_path, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_no_errno (g_mkdir_with_parents (parent, 0700));
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

gboolean
sy_e2e_service_start (SyE2eService  *self,
                      GError       **error)
{
  const char *binary = g_getenv ("SWITCHYARDD");
  g_autofree char *xdg_config = g_strconcat ("XDG_CONFIG_HOME=", self->dir, "/xdg-config", NULL);
  g_autofree char *xdg_state = g_strconcat ("XDG_STATE_HOME=", self->dir, "/xdg-state", NULL);
  g_autofree char *xdg_cache = g_strconcat ("XDG_CACHE_HOME=", self->dir, "/xdg-cache", NULL);
  g_autofree char *runtime = g_build_filename (self->dir, "run", NULL);
  g_autofree char *xdg_runtime = g_strconcat ("XDG_RUNTIME_DIR=", runtime, NULL);
  const char *argv[] = { binary, "--no-dbus", "--config-dir", self->config_dir, NULL };
  const char *env[] = { xdg_config, xdg_state, xdg_cache, xdg_runtime, NULL };

  g_assert_null (self->process);
  if (binary == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "SWITCHYARDD is not set; run the tests with `meson test`");
      return FALSE;
    }
  g_assert_no_errno (g_mkdir_with_parents (runtime, 0700));

  self->process = sy_e2e_process_spawn ("switchyardd", argv, env, error);
  if (self->process == NULL)
    return FALSE;

  /* The banner ends with the "try:" hint, printed once every inbound listens. */
  if (sy_e2e_process_wait_output (self->process, 0, "  try: ", 20000) < 0)
    {
      g_autofree char *output = sy_e2e_process_dup_output (self->process);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "switchyardd did not start listening; its output:\n%s", output);
      g_clear_pointer (&self->process, sy_e2e_process_free);
      return FALSE;
    }

  return TRUE;
}

SyE2eProcess *
sy_e2e_service_get_process (SyE2eService *self)
{
  return self->process;
}

GPid
sy_e2e_service_get_pid (SyE2eService *self)
{
  g_assert_nonnull (self->process);
  return sy_e2e_process_get_pid (self->process);
}

void
sy_e2e_service_stop (SyE2eService *self)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_assert_nonnull (self->process);
  kill (sy_e2e_process_get_pid (self->process), SIGTERM);
  status = sy_e2e_process_wait (self->process, 10000);
  g_assert_cmpint (status, !=, -1);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  g_clear_pointer (&self->process, sy_e2e_process_free);
}

void
sy_e2e_service_free (SyE2eService *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->process, sy_e2e_process_free);
  sy_e2e_rm_rf (self->dir);
  g_free (self->config_dir);
  g_free (self->dir);
  g_free (self);
}

/* ------------------------------------------------------------------ peers */

static SyE2eProcess *
wait_peer (SyE2eProcess  *process,
           guint16        port,
           GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      if (!sy_e2e_process_is_running (process))
        break;
      if (sy_e2e_wait_port (port, 50))
        return process;
    }

  {
    g_autofree char *output = sy_e2e_process_dup_output (process);

    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "peer does not listen on 127.0.0.1:%u; its output:\n%s", port, output);
  }
  sy_e2e_process_free (process);
  return NULL;
}

SyE2eProcess *
sy_e2e_start_microsocks (guint16      port,
                         const char  *username,
                         const char  *password,
                         GError     **error)
{
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  const char *argv[] = { "microsocks", "-i", "127.0.0.1", "-p", port_text,
                         username != NULL ? "-u" : NULL, username, "-P", password, NULL };
  SyE2eProcess *process;

  process = sy_e2e_process_spawn ("microsocks", argv, NULL, error);
  if (process == NULL)
    return NULL;
  return wait_peer (process, port, error);
}

gboolean
sy_e2e_can_isolate_accounts (void)
{
  return geteuid () == 0 && g_find_program_in_path ("unshare") != NULL;
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

  passwd_text = g_strdup_printf ("%s%s:x:64999:64999:switchyard test:/nonexistent:/usr/sbin/nologin\n",
                                 passwd, username);
  shadow_text = g_strdup_printf ("%s%s:%s:19000:0:99999:7:::\n", shadow, username, hash);

  *passwd_path = g_build_filename (dir, "passwd", NULL);
  *shadow_path = g_build_filename (dir, "shadow", NULL);
  return g_file_set_contents_full (*passwd_path, passwd_text, -1,
                                   G_FILE_SET_CONTENTS_NONE, 0644, error) &&
         g_file_set_contents_full (*shadow_path, shadow_text, -1,
                                   G_FILE_SET_CONTENTS_NONE, 0600, error);
}

SyE2eProcess *
sy_e2e_start_danted (guint16      port,
                     const char  *log_dir,
                     const char  *username,
                     const char  *password,
                     GError     **error)
{
  g_autofree char *conf = g_strdup_printf ("%s/danted-%u.conf", log_dir, port);
  g_autofree char *pidfile = g_strdup_printf ("%s/danted-%u.pid", log_dir, port);
  g_autofree char *passwd_path = NULL;
  g_autofree char *shadow_path = NULL;
  g_autofree char *script = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  const char *argv[] = { "/usr/sbin/danted", "-f", conf, "-p", pidfile, NULL };
  const char *isolated_argv[] = { "unshare", "--mount", "--propagation", "private",
                                  "/bin/sh", "-c", NULL, NULL };
  SyE2eProcess *process;

  g_string_append_printf (text,
                          "logoutput: stderr\n"
                          "internal: 127.0.0.1 port = %u\n"
                          "external: 127.0.0.1\n"
                          "clientmethod: none\n"
                          "socksmethod: %s\n",
                          port, username != NULL ? "username" : "none");
  /* As root danted insists on users to switch to; as anyone else it
   * simply keeps its own. */
  if (geteuid () == 0)
    g_string_append (text, "user.privileged: root\nuser.unprivileged: nobody\n");
  g_string_append (text,
                   "client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }\n"
                   "socks pass { from: 127.0.0.0/8 to: 127.0.0.0/8 command: connect }\n");
  if (!g_file_set_contents (conf, text->str, -1, error))
    return NULL;

  if (username == NULL)
    {
      /* Without -D danted stays in the foreground. */
      process = sy_e2e_process_spawn ("danted", argv, NULL, error);
    }
  else
    {
      if (!sy_e2e_can_isolate_accounts ())
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                       "danted with username authentication needs root (a private mount "
                       "namespace for its test account)");
          return NULL;
        }
      if (!write_private_accounts (log_dir, username, password, &passwd_path, &shadow_path, error))
        return NULL;

      /* unshare and sh both exec, so the PID we hold is danted's own. */
      script = g_strdup_printf ("mount --bind '%s' /etc/passwd && mount --bind '%s' /etc/shadow "
                                "&& exec /usr/sbin/danted -f '%s' -p '%s'",
                                passwd_path, shadow_path, conf, pidfile);
      isolated_argv[6] = script;
      process = sy_e2e_process_spawn ("danted", isolated_argv, NULL, error);
    }

  if (process == NULL)
    return NULL;
  return wait_peer (process, port, error);
}

/* ------------------------------------------------------------ HTTP server */

struct _SyE2eHttpServer
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  guint16       port;

  GMutex        mutex;
  GCond         cond;
  gboolean      ready;
  GError       *error;
};

static void
pattern_handler (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  const char *number = path + strlen ("/pattern/");
  guint64 length;

  if (!g_ascii_string_to_unsigned (number, 10, 0, SY_E2E_PATTERN_MAX, &length, NULL))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_STATIC,
                                    (const char *) sy_e2e_pattern (length), length);
}

static void
health_handler (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "ok\n", 3);
}

static void
sha256_handler (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *digest = NULL;
  char *answer;

  if (g_strcmp0 (method, "PUT") != 0 && g_strcmp0 (method, "POST") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }
  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, body);
  answer = g_strdup_printf ("%s %" G_GSIZE_FORMAT "\n", digest, g_bytes_get_size (body));
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_TAKE, answer, strlen (answer));
}

static gpointer
http_server_thread (gpointer data)
{
  SyE2eHttpServer *self = data;
  g_autoptr(SoupServer) server = NULL;
  GError *error = NULL;

  g_main_context_push_thread_default (self->context);
  server = soup_server_new ("server-header", "sy-e2e", NULL);
  soup_server_add_handler (server, "/pattern/", pattern_handler, self, NULL);
  soup_server_add_handler (server, "/health", health_handler, self, NULL);
  soup_server_add_handler (server, "/sha256", sha256_handler, self, NULL);

  /* Both loopback families on one port: curl resolves "localhost" to ::1 first. */
  if (soup_server_listen_local (server, 0, 0, &error))
    {
      GSList *uris = soup_server_get_uris (server);

      self->port = (guint16) g_uri_get_port (uris->data);
      g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
    }

  g_mutex_lock (&self->mutex);
  self->error = error;
  self->ready = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  if (error == NULL)
    g_main_loop_run (self->loop);

  soup_server_disconnect (server);
  g_clear_object (&server);
  g_main_context_pop_thread_default (self->context);

  return NULL;
}

SyE2eHttpServer *
sy_e2e_http_server_new (GError **error)
{
  SyE2eHttpServer *self = g_new0 (SyE2eHttpServer, 1);

  /* Built before the thread starts so that the first request is not slowed
   * down by it. */
  sy_e2e_pattern (0);

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->thread = g_thread_new ("http-server", http_server_thread, self);

  g_mutex_lock (&self->mutex);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  if (self->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->error));
      sy_e2e_http_server_free (self);
      return NULL;
    }

  return self;
}

guint16
sy_e2e_http_server_get_port (SyE2eHttpServer *self)
{
  return self->port;
}

static gboolean
quit_loop_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

void
sy_e2e_http_server_free (SyE2eHttpServer *self)
{
  if (self == NULL)
    return;

  g_main_context_invoke (self->context, quit_loop_cb, self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_clear_error (&self->error);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self);
}

/* ------------------------------------------------------------ echo server */

struct _SyE2eEchoServer
{
  int      listen_fd;
  int      wake_fd[2];
  int      epoll_fd;
  guint16  port;
  GThread *thread;
  gint     open;       /* atomic */
};

static gpointer
echo_thread (gpointer data)
{
  SyE2eEchoServer *self = data;
  struct epoll_event events[64];

  for (;;)
    {
      int n = epoll_wait (self->epoll_fd, events, G_N_ELEMENTS (events), -1);

      for (int i = 0; i < n; i++)
        {
          int fd = events[i].data.fd;

          if (fd == self->wake_fd[0])
            return NULL;

          if (fd == self->listen_fd)
            {
              int client;

              while ((client = accept4 (self->listen_fd, NULL, NULL,
                                        SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
                {
                  struct epoll_event ev = { .events = EPOLLIN, .data.fd = client };

                  epoll_ctl (self->epoll_fd, EPOLL_CTL_ADD, client, &ev);
                  g_atomic_int_inc (&self->open);
                }
              continue;
            }

          {
            char buf[4096];
            ssize_t got = recv (fd, buf, sizeof buf, 0);

            if (got < 0 && (errno == EAGAIN || errno == EINTR))
              continue;
            /* The tests echo a few bytes per connection, far below the
             * socket buffer, so a send never has to wait. */
            if (got > 0 && send (fd, buf, (size_t) got, MSG_NOSIGNAL) == got)
              continue;
            epoll_ctl (self->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
            close (fd);
            g_atomic_int_dec_and_test (&self->open);
          }
        }
    }
}

SyE2eEchoServer *
sy_e2e_echo_server_new (GError **error)
{
  SyE2eEchoServer *self = g_new0 (SyE2eEchoServer, 1);
  struct sockaddr_in sin = { .sin_family = AF_INET };
  socklen_t len = sizeof sin;
  struct epoll_event ev = { .events = EPOLLIN };

  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  self->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (self->listen_fd < 0
      || bind (self->listen_fd, (struct sockaddr *) &sin, sizeof sin) < 0
      || listen (self->listen_fd, 4096) < 0
      || getsockname (self->listen_fd, (struct sockaddr *) &sin, &len) < 0
      || pipe2 (self->wake_fd, O_CLOEXEC) < 0
      || (self->epoll_fd = epoll_create1 (EPOLL_CLOEXEC)) < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "echo server: %s", g_strerror (saved));
      if (self->listen_fd >= 0)
        close (self->listen_fd);
      g_free (self);
      return NULL;
    }
  self->port = ntohs (sin.sin_port);

  ev.data.fd = self->listen_fd;
  epoll_ctl (self->epoll_fd, EPOLL_CTL_ADD, self->listen_fd, &ev);
  ev.data.fd = self->wake_fd[0];
  epoll_ctl (self->epoll_fd, EPOLL_CTL_ADD, self->wake_fd[0], &ev);
  self->thread = g_thread_new ("echo-server", echo_thread, self);

  return self;
}

guint16
sy_e2e_echo_server_get_port (SyE2eEchoServer *self)
{
  return self->port;
}

guint
sy_e2e_echo_server_get_open (SyE2eEchoServer *self)
{
  return (guint) g_atomic_int_get (&self->open);
}

void
sy_e2e_echo_server_free (SyE2eEchoServer *self)
{
  if (self == NULL)
    return;

  g_assert_cmpint (write (self->wake_fd[1], "x", 1), ==, 1);
  g_thread_join (self->thread);
  /* Connections still open are closed with the process; the tests close
   * theirs before this. */
  close (self->epoll_fd);
  close (self->listen_fd);
  close (self->wake_fd[0]);
  close (self->wake_fd[1]);
  g_free (self);
}

/* ------------------------------------------------------------ odds and ends */

const guint8 *
sy_e2e_pattern (gsize length)
{
  static gsize initialized;
  static guint8 *pattern;

  g_assert_cmpuint (length, <=, SY_E2E_PATTERN_MAX);

  if (g_once_init_enter (&initialized))
    {
      guint64 state = 0x9e3779b97f4a7c15ull;

      pattern = g_malloc (SY_E2E_PATTERN_MAX);
      for (gsize i = 0; i < SY_E2E_PATTERN_MAX; i += 8)
        {
          guint64 word;

          /* xorshift64*: no short period, cheap enough for 80 MiB. */
          state ^= state >> 12;
          state ^= state << 25;
          state ^= state >> 27;
          word = state * 0x2545f4914f6cdd1dull;
          memcpy (pattern + i, &word, sizeof word);
        }
      g_once_init_leave (&initialized, 1);
    }

  return pattern;
}

char *
sy_e2e_sha256_file (const char *path,
                    gsize      *length)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) error = NULL;

  mapped = g_mapped_file_new (path, FALSE, &error);
  g_assert_no_error (error);
  if (length != NULL)
    *length = g_mapped_file_get_length (mapped);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                      (const guchar *) g_mapped_file_get_contents (mapped),
                                      g_mapped_file_get_length (mapped));
}

guint16
sy_e2e_free_port (void)
{
  struct sockaddr_in sin = { .sin_family = AF_INET };
  socklen_t len = sizeof sin;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_no_errno (bind (fd, (struct sockaddr *) &sin, sizeof sin));
  g_assert_no_errno (getsockname (fd, (struct sockaddr *) &sin, &len));
  close (fd);

  return ntohs (sin.sin_port);
}

gboolean
sy_e2e_wait_port (guint16 port,
                  guint   timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  do
    {
      struct sockaddr_in sin = { .sin_family = AF_INET };
      int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      int rc;

      g_assert_cmpint (fd, >=, 0);
      sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      sin.sin_port = htons (port);
      rc = connect (fd, (struct sockaddr *) &sin, sizeof sin);
      close (fd);
      if (rc == 0)
        return TRUE;
      g_usleep (20000);
    }
  while (g_get_monotonic_time () < deadline);

  return FALSE;
}

guint
sy_e2e_count_fds (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/fd", (int) pid);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  guint count = 0;

  dir = g_dir_open (path, 0, &error);
  g_assert_no_error (error);
  while (g_dir_read_name (dir) != NULL)
    count++;

  return count;
}

void
sy_e2e_raise_fd_limit (void)
{
  struct rlimit limit;

  g_assert_no_errno (getrlimit (RLIMIT_NOFILE, &limit));
  limit.rlim_cur = limit.rlim_max;
  g_assert_no_errno (setrlimit (RLIMIT_NOFILE, &limit));
}

char *
sy_e2e_make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("sy-e2e-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
sy_e2e_rm_rf (const char *path)
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

          sy_e2e_rm_rf (child);
        }
      g_dir_close (dir);
      g_rmdir (path);
      return;
    }
  g_unlink (path);
}

static GStrv
curl_argv (const char * const *args)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  /* -q first: no ~/.curlrc. The time limit only turns a hang into a
   * failure; no test depends on how fast anything is. */
  g_strv_builder_add_many (builder, "curl", "-q", "-sS", "--max-time", "120", NULL);
  g_strv_builder_addv (builder, (const char **) args);
  return g_strv_builder_end (builder);
}

int
sy_e2e_run_curl (const char * const *args,
                 char              **out,
                 char              **err)
{
  g_auto(GStrv) argv = curl_argv (args);
  g_auto(GStrv) envp = g_get_environ ();
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (proxy_variables); i++)
    envp = g_environ_unsetenv (envp, proxy_variables[i]);
  g_spawn_sync (NULL, argv, envp, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &stdout_text, &stderr_text, &status, &error);
  g_assert_no_error (error);
  if (stderr_text != NULL && *stderr_text != '\0')
    g_printerr ("[curl] %s", stderr_text);

  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);
  return sy_e2e_exit_code (status);
}

SyE2eProcess *
sy_e2e_spawn_curl (const char * const *args,
                   GError            **error)
{
  g_auto(GStrv) argv = curl_argv (args);

  return sy_e2e_process_spawn ("curl", (const char * const *) argv, NULL, error);
}
