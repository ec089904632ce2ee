/* sy-e2e.c — switchyardd, servers and curl for the end-to-end tests
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-e2e"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "sy-e2e.h"

/* ------------------------------------------------------------ switchyardd */

struct _SyE2eService
{
  char          *dir;
  char          *config_dir;
  SyTestProcess *process;
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

  self->process = sy_test_process_spawn ("switchyardd", NULL, argv, env, error);
  if (self->process == NULL)
    return FALSE;

  /* The banner ends with the "try:" hint, printed once every inbound listens. */
  if (sy_test_process_wait_output (self->process, 0, "  try: ", 20000) < 0)
    {
      g_autofree char *output = sy_test_process_dup_output (self->process);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "switchyardd did not start listening; its output:\n%s", output);
      g_clear_pointer (&self->process, sy_test_process_free);
      return FALSE;
    }

  return TRUE;
}

SyTestProcess *
sy_e2e_service_get_process (SyE2eService *self)
{
  return self->process;
}

GPid
sy_e2e_service_get_pid (SyE2eService *self)
{
  g_assert_nonnull (self->process);
  return sy_test_process_get_pid (self->process);
}

void
sy_e2e_service_stop (SyE2eService *self)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_assert_nonnull (self->process);
  kill (sy_test_process_get_pid (self->process), SIGTERM);
  status = sy_test_process_wait (self->process, 10000);
  g_assert_cmpint (status, !=, -1);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  g_clear_pointer (&self->process, sy_test_process_free);
}

void
sy_e2e_service_free (SyE2eService *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->process, sy_test_process_free);
  sy_test_rm_rf (self->dir);
  g_free (self->config_dir);
  g_free (self->dir);
  g_free (self);
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

/* ------------------------------------------------------------ curl */

/* Environment variables that would send curl's traffic elsewhere. (Children
 * run as a SyTestProcess lose them too.) */
static const char * const proxy_variables[] = {
  "http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy",
  "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "FTP_PROXY",
};

int
sy_e2e_exit_code (int wait_status)
{
  if (WIFEXITED (wait_status))
    return WEXITSTATUS (wait_status);
  return -1;
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

SyTestProcess *
sy_e2e_spawn_curl (const char * const *args,
                   GError            **error)
{
  g_auto(GStrv) argv = curl_argv (args);

  return sy_test_process_spawn ("curl", NULL, (const char * const *) argv, NULL, error);
}
