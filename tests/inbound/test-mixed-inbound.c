/* test-mixed-inbound.c — the SOCKS5/HTTP inbound against real curl and raw sockets
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything runs in this process on loopback: a SyDispatcher with a direct
 * outbound, the inbound under test on 127.0.0.1:0 and a libsoup server as
 * the origin. curl runs as a subprocess (asynchronously, so this loop keeps
 * serving); raw-socket clients run on a thread of their own with blocking
 * I/O, for the exact reply bytes of every malformed request.
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "engine/sy-dispatcher.h"
#include "inbound/sy-mixed-inbound.h"
#include "outbound/sy-direct-outbound.h"
#include "util/sy-error.h"

#include "sy-test-peers.h"

#define BIG_SIZE (300 * 1024)

/* libsoup 3.2's server keeps an idle keep-alive connection open after the
 * client's FIN (CLOSE-WAIT), and a relay rightly waits for the destination
 * to close its side too. Tunnelled requests therefore ask the origin to
 * close, so that sessions end when curl is done. */
#define ORIGIN_CLOSES "-H", "Connection: close"

typedef struct
{
  SyDispatcher   *dispatcher;
  SyMixedInbound *inbound;
  guint16         proxy_port;

  SoupServer     *server;
  guint16         origin_port;
  GHashTable     *origin_peers;     /* "ip:port" of each connection the origin saw */
  guint           origin_requests;
  GString        *last_headers;     /* request head fields of the last /headers */
  GBytes         *big;
} Fixture;

typedef struct
{
  const char *username;
  const char *password;
  guint       handshake_timeout_ms;
  guint       connect_timeout_ms;
  guint       idle_timeout_ms;
} FixtureOptions;

static const FixtureOptions no_auth = { NULL, NULL, 0, 0, 0 };
static const FixtureOptions with_auth = { "alice", "s3cret", 0, 0, 0 };
static const FixtureOptions short_handshake = { NULL, NULL, 300, 0, 0 };
static const FixtureOptions short_connect = { NULL, NULL, 0, 300, 0 };
static const FixtureOptions short_idle = { NULL, NULL, 0, 0, 300 };

/* Origin ------------------------------------------------------------------- */

static void
record_peer (Fixture           *f,
             SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  GInetAddress *ip = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote));
  g_autofree char *ip_text = g_inet_address_to_string (ip);

  g_hash_table_add (f->origin_peers,
                    g_strdup_printf ("%s:%u", ip_text,
                                     g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote))));
  f->origin_requests++;
}

static void
origin_handler (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  Fixture *f = user_data;
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *response_body = soup_server_message_get_response_body (msg);

  record_peer (f, msg);

  if (strcmp (path, "/hello") == 0)
    {
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "hello world\n", 12);
    }
  else if (strcmp (path, "/echo") == 0)
    {
      SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
      g_autoptr(GBytes) body = soup_message_body_flatten (request_body);

      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_append (response_headers, "X-Method", soup_server_message_get_method (msg));
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (body, NULL), g_bytes_get_size (body));
    }
  else if (strcmp (path, "/big") == 0)
    {
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_STATIC,
                                        g_bytes_get_data (f->big, NULL), g_bytes_get_size (f->big));
    }
  else if (strcmp (path, "/chunked") == 0)
    {
      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_set_encoding (response_headers, SOUP_ENCODING_CHUNKED);
      soup_message_headers_set_content_type (response_headers, "text/plain", NULL);
      soup_message_body_append (response_body, SOUP_MEMORY_STATIC, "first chunk, ", 13);
      soup_message_body_append (response_body, SOUP_MEMORY_STATIC, "second chunk, ", 14);
      soup_message_body_append (response_body, SOUP_MEMORY_STATIC, "last chunk\n", 11);
      soup_message_body_complete (response_body);
    }
  else if (strcmp (path, "/headers") == 0)
    {
      SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
      SoupMessageHeadersIter iter;
      const char *name;
      const char *value;

      g_string_truncate (f->last_headers, 0);
      soup_message_headers_iter_init (&iter, request_headers);
      while (soup_message_headers_iter_next (&iter, &name, &value))
        g_string_append_printf (f->last_headers, "%s: %s\n", name, value);

      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY,
                                        f->last_headers->str, f->last_headers->len);
    }
  else
    soup_server_message_set_status (msg, 404, NULL);
}

/* Fixture ------------------------------------------------------------------ */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  user_data)
{
  const FixtureOptions *options = user_data;
  g_autoptr(SyInboundConfig) config = sy_inbound_config_new ();
  g_autoptr(SyOutbound) direct = sy_direct_outbound_new ("direct");
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  guint8 *big;

  f->dispatcher = sy_dispatcher_new ();
  sy_dispatcher_set_outbound (f->dispatcher, direct);
  /* the idle timeout covers the relay and HTTP forwarding alike */
  sy_dispatcher_set_timeouts (f->dispatcher,
                              options->connect_timeout_ms ? options->connect_timeout_ms : 5000,
                              options->idle_timeout_ms);

  g_free (config->name);
  config->name = g_strdup ("mixed");
  g_free (config->listen_address);
  config->listen_address = g_strdup ("127.0.0.1");
  config->port = 0;
  config->username = g_strdup (options->username);
  config->password = g_strdup (options->password);
  g_free (config->outbound);
  config->outbound = g_strdup ("direct");

  f->inbound = sy_mixed_inbound_new (config, f->dispatcher);
  if (options->handshake_timeout_ms)
    sy_mixed_inbound_set_handshake_timeout (f->inbound, options->handshake_timeout_ms);
  sy_mixed_inbound_start (f->inbound, &error);
  g_assert_no_error (error);
  f->proxy_port = g_inet_socket_address_get_port (
    G_INET_SOCKET_ADDRESS (sy_mixed_inbound_get_local_address (f->inbound)));
  g_assert_cmpuint (f->proxy_port, !=, 0);

  big = g_malloc (BIG_SIZE);
  for (gsize i = 0; i < BIG_SIZE; i++)
    big[i] = (guint8) ((i * 2654435761u) >> 13);
  f->big = g_bytes_new_take (big, BIG_SIZE);

  f->origin_peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->last_headers = g_string_new (NULL);
  f->server = soup_server_new ("server-header", "sy-test-origin", NULL);
  soup_server_add_handler (f->server, NULL, origin_handler, f, NULL);
  /* Both 127.0.0.1 and ::1 on one port, so "localhost" works either way. */
  soup_server_listen_local (f->server, 0, 0, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  g_assert_nonnull (uris);
  f->origin_port = g_uri_get_port (uris->data);
}

static void
wait_until_idle (Fixture *f)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  /* Every session must end on its own once the clients are gone. */
  while (sy_dispatcher_get_active_count (f->dispatcher) > 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  user_data)
{
  wait_until_idle (f);

  sy_mixed_inbound_stop (f->inbound);
  g_clear_object (&f->inbound);
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  g_clear_object (&f->dispatcher);
  g_clear_pointer (&f->origin_peers, g_hash_table_unref);
  g_string_free (f->last_headers, TRUE);
  g_clear_pointer (&f->big, g_bytes_unref);

  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The most recent finished session, after at least @count finished. */
static SySession *
wait_for_log (Fixture *f,
              guint    count)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(GPtrArray) log = sy_dispatcher_get_connection_log (f->dispatcher);

      if (log->len >= count)
        return sy_session_ref (g_ptr_array_index (log, log->len - 1));

      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static GPtrArray *
get_log (Fixture *f)
{
  return sy_dispatcher_get_connection_log (f->dispatcher);
}

/* curl --------------------------------------------------------------------- */

typedef struct
{
  gboolean  done;
  char     *out;
  char     *err;
  GError   *error;
} CurlResult;

static void
curl_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  CurlResult *r = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &r->out, &r->err, &r->error);
  r->done = TRUE;
}

/* Runs curl with the arguments (NULL-terminated) while this loop keeps the
 * proxy and the origin going. Returns stdout; *status gets curl's exit. */
static char *
run_curl (int        *status,
          const char *first,
          ...)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *command = NULL;
  CurlResult r = { 0 };
  const char *proxy_variables[] = { "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                                    "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY" };
  va_list args;

  g_ptr_array_add (argv, (char *) "curl");
  g_ptr_array_add (argv, (char *) "--silent");
  g_ptr_array_add (argv, (char *) "--show-error");
  g_ptr_array_add (argv, (char *) "--max-time");
  g_ptr_array_add (argv, (char *) "20");
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  command = g_strjoinv (" ", (char **) argv->pdata);
  g_test_message ("running %s", command);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  for (guint i = 0; i < G_N_ELEMENTS (proxy_variables); i++)
    g_subprocess_launcher_unsetenv (launcher, proxy_variables[i]);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  g_subprocess_communicate_utf8_async (process, NULL, NULL, curl_done_cb, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  g_subprocess_wait (process, NULL, NULL);

  g_assert_no_error (r.error);
  *status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
  if (r.err != NULL && r.err[0] != '\0')
    g_test_message ("curl stderr: %s", r.err);
  g_free (r.err);

  return r.out;
}

static char *
proxy_url (Fixture    *f,
           const char *scheme,
           const char *userinfo)
{
  return g_strdup_printf ("%s://%s%s127.0.0.1:%u", scheme,
                          userinfo ? userinfo : "", userinfo ? "@" : "", f->proxy_port);
}

static char *
origin_url (Fixture    *f,
            const char *host,
            const char *path)
{
  return g_strdup_printf ("http://%s:%u%s", host, f->origin_port, path);
}

static char *
write_temp_file (GBytes *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("sy-inbound-XXXXXX", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, g_bytes_get_data (contents, NULL), g_bytes_get_size (contents), &error);
  g_assert_no_error (error);
  return path;
}

/* curl through SOCKS5 ---------------------------------------------------------- */

static void
test_socks5h_domain (Fixture       *f,
                     gconstpointer  user_data)
{
  g_autofree char *proxy = proxy_url (f, "socks5h", NULL);
  g_autofree char *url = origin_url (f, "localhost", "/hello");
  g_autofree char *out = NULL;
  g_autoptr(SySession) session = NULL;
  int status;

  out = run_curl (&status, "-x", proxy, ORIGIN_CLOSES, url, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "hello world\n");

  session = wait_for_log (f, 1);
  g_assert_cmpstr (session->protocol, ==, "socks5");
  g_assert_cmpstr (session->inbound, ==, "mixed");
  g_assert_cmpstr (session->outbound, ==, "direct");
  g_assert_cmpstr (session->host, ==, "localhost");
  g_assert_true (session->host_is_domain);
  g_assert_cmpuint (session->port, ==, f->origin_port);
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_CLOSED);
  g_assert_cmpuint (session->bytes_down, >, 12);
  g_assert_nonnull (session->bound_address);
}

static void
test_socks5_ipv4 (Fixture       *f,
                  gconstpointer  user_data)
{
  g_autofree char *proxy = proxy_url (f, "socks5", NULL);
  g_autofree char *url = origin_url (f, "127.0.0.1", "/hello");
  g_autofree char *out = NULL;
  g_autoptr(SySession) session = NULL;
  int status;

  /* socks5:// (not socks5h): curl resolves and sends ATYP 0x01 */
  out = run_curl (&status, "-x", proxy, ORIGIN_CLOSES, url, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "hello world\n");

  session = wait_for_log (f, 1);
  g_assert_cmpstr (session->host, ==, "127.0.0.1");
  g_assert_false (session->host_is_domain);
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_CLOSED);
}

static void
test_socks5_big_checksum (Fixture       *f,
                          gconstpointer  user_data)
{
  g_autofree char *proxy = proxy_url (f, "socks5h", NULL);
  g_autofree char *url = origin_url (f, "127.0.0.1", "/big");
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  int status;
  g_autoptr(GError) error = NULL;
  int fd;

  fd = g_file_open_tmp ("sy-inbound-big-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);

  out = run_curl (&status, "-x", proxy, ORIGIN_CLOSES, "-o", path, url, NULL);
  g_assert_cmpint (status, ==, 0);
  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, length, g_bytes_get_data (f->big, NULL), BIG_SIZE);
  g_unlink (path);
}

static void
test_socks5_ipv6 (Fixture       *f,
                  gconstpointer  user_data)
{
  g_autofree char *proxy = proxy_url (f, "socks5h", NULL);
  g_autofree char *url = origin_url (f, "[::1]", "/hello");
  g_autofree char *out = NULL;
  g_autoptr(SySession) session = NULL;
  g_autofree char *bound_ip = NULL;
  int status;

  out = run_curl (&status, "-x", proxy, ORIGIN_CLOSES, url, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "hello world\n");

  session = wait_for_log (f, 1);
  g_assert_cmpstr (session->host, ==, "::1");
  g_assert_nonnull (session->bound_address);
  bound_ip = g_inet_address_to_string (
    g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (session->bound_address)));
  g_assert_cmpstr (bound_ip, ==, "::1");
}

static void
test_socks5_auth (Fixture       *f,
                  gconstpointer  user_data)
{
  g_autofree char *good = proxy_url (f, "socks5h", "alice:s3cret");
  g_autofree char *bad = proxy_url (f, "socks5h", "alice:wrong");
  g_autofree char *none = proxy_url (f, "socks5h", NULL);
  g_autofree char *url = origin_url (f, "127.0.0.1", "/hello");
  g_autofree char *out = NULL;
  g_autofree char *out_bad = NULL;
  g_autofree char *out_none = NULL;
  g_autoptr(SySession) ok_session = NULL;
  g_autoptr(SySession) bad_session = NULL;
  g_autoptr(SySession) none_session = NULL;
  int status;

  out = run_curl (&status, "-x", good, ORIGIN_CLOSES, url, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "hello world\n");
  ok_session = wait_for_log (f, 1);
  g_assert_cmpint (ok_session->state, ==, SY_SESSION_STATE_CLOSED);

  /* curl reports a failed SOCKS5 handshake as exit 97 */
  out_bad = run_curl (&status, "-x", bad, url, NULL);
  g_assert_cmpint (status, ==, 97);
  bad_session = wait_for_log (f, 2);
  g_assert_cmpint (bad_session->state, ==, SY_SESSION_STATE_FAILED);
  g_assert_cmpstr (bad_session->error, ==, "Wrong SOCKS5 username or password");

  out_none = run_curl (&status, "-x", none, url, NULL);
  g_assert_cmpint (status, ==, 97);
  none_session = wait_for_log (f, 3);
  g_assert_cmpint (none_session->state, ==, SY_SESSION_STATE_FAILED);
  g_assert_nonnull (strstr (none_session->error, "did not offer username/password"));

  /* only the good one reached the origin */
  g_assert_cmpuint (f->origin_requests, ==, 1);
}

/* curl through HTTP ------------------------------------------------------------ */

static void
test_http_forward (Fixture       *f,
                   gconstpointer  user_data)
{
  g_autofree char *proxy = proxy_url (f, "http", NULL);
  g_autofree char *url = origin_url (f, "127.0.0.1", "/hello");
  g_autofree char *out = NULL;
  g_autoptr(SySession) session = NULL;
  int status;

  out = run_curl (&status, "-x", proxy, url, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "hello world\n");

  session = wait_for_log (f, 1);
  g_assert_cmpstr (session->protocol, ==, "http");
  g_assert_cmpstr (session->host, ==, "127.0.0.1");
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_CLOSED);
  g_assert_cmpuint (session->bytes_up, >, 0);
  g_assert_cmpuint (session->bytes_down, >, 12);
}

static void
test_http_connect (Fixture       *f,
                   gconstpointer  user_data)
{
  g_autofree char *proxy = proxy_url (f, "http", NULL);
  g_autofree char *url = origin_url (f, "localhost", "/hello");
  g_autofree char *out = NULL;
  g_autoptr(SySession) session = NULL;
  int status;

  out = run_curl (&status, "-p", "-x", proxy, ORIGIN_CLOSES, url, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "hello world\n");

  session = wait_for_log (f, 1);
  g_assert_cmpstr (session->protocol, ==, "http-connect");
  g_assert_cmpstr (session->host, ==, "localhost");
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_CLOSED);
}

static void
test_http_connect_ipv6 (Fixture       *f,
                        gconstpointer  user_data)
{
  g_autofree char *proxy = proxy_url (f, "http", NULL);
  g_autofree char *url = origin_url (f, "[::1]", "/hello");
  g_autofree char *out = NULL;
  g_autoptr(SySession) session = NULL;
  int status;

  out = run_curl (&status, "-p", "-x", proxy, ORIGIN_CLOSES, url, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "hello world\n");

  session = wait_for_log (f, 1);
  g_assert_cmpstr (session->host, ==, "::1");
}

static void
test_http_forward_ipv6 (Fixture       *f,
                        gconstpointer  user_data)
{
  g_autofree char *proxy = proxy_url (f, "http", NULL);
  g_autofree char *url = origin_url (f, "[::1]", "/headers");
  g_autofree char *out = NULL;
  g_autofree char *host = NULL;
  int status;

  out = run_curl (&status, "-x", proxy, url, NULL);
  g_assert_cmpint (status, ==, 0);
  host = g_strdup_printf ("Host: [::1]:%u\n", f->origin_port);
  g_assert_nonnull (strstr (out, host));
}

static void
test_http_post_length (Fixture       *f,
                       gconstpointer  user_data)
{
  g_autofree char *proxy = proxy_url (f, "http", NULL);
  g_autofree char *url = origin_url (f, "127.0.0.1", "/echo");
  g_autoptr(GBytes) body = g_bytes_new_from_bytes (f->big, 0, 200 * 1024);
  g_autofree char *path = write_temp_file (body);
  g_autofree char *data = g_strconcat ("@", path, NULL);
  g_autofree char *out_path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  int status;
  int fd;

  fd = g_file_open_tmp ("sy-inbound-out-XXXXXX", &out_path, &error);
  g_assert_no_error (error);
  close (fd);

  out = run_curl (&status, "-x", proxy, "--data-binary", data, "-o", out_path, url, NULL);
  g_assert_cmpint (status, ==, 0);
  g_file_get_contents (out_path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, length, g_bytes_get_data (body, NULL), g_bytes_get_size (body));

  g_unlink (path);
  g_unlink (out_path);
}

static void
test_http_expect_continue (Fixture       *f,
                           gconstpointer  user_data)
{
  g_autofree char *proxy = proxy_url (f, "http", NULL);
  g_autofree char *url = origin_url (f, "127.0.0.1", "/echo");
  g_autofree char *out = NULL;
  int status;

  /* the origin's 100 Continue reaches curl, which only then sends the body */
  out = run_curl (&status, "-x", proxy, "-i", "-H", "Expect: 100-continue",
                  "--data-binary", "waited for the go-ahead", url, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (out, "HTTP/1.1 100 Continue\r\n"));
  g_assert_nonnull (strstr (out, "\r\n\r\nHTTP/1.1 200 OK\r\n"));
  g_assert_true (g_str_has_suffix (out, "\r\n\r\nwaited for the go-ahead"));
}

static void
test_http_post_chunked (Fixture       *f,
                        gconstpointer  user_data)
{
  g_autofree char *proxy = proxy_url (f, "http", NULL);
  g_autofree char *url = origin_url (f, "127.0.0.1", "/echo");
  g_autoptr(GBytes) body = g_bytes_new_from_bytes (f->big, 1000, 100 * 1024 + 7);
  g_autofree char *path = write_temp_file (body);
  g_autofree char *data = g_strconcat ("@", path, NULL);
  g_autofree char *out_path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  int status;
  int fd;

  fd = g_file_open_tmp ("sy-inbound-out-XXXXXX", &out_path, &error);
  g_assert_no_error (error);
  close (fd);

  out = run_curl (&status, "-x", proxy, "-H", "Transfer-Encoding: chunked",
                  "--data-binary", data, "-o", out_path, url, NULL);
  g_assert_cmpint (status, ==, 0);
  g_file_get_contents (out_path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, length, g_bytes_get_data (body, NULL), g_bytes_get_size (body));

  g_unlink (path);
  g_unlink (out_path);
}

static void
test_http_methods (Fixture       *f,
                   gconstpointer  user_data)
{
  g_autofree char *proxy = proxy_url (f, "http", NULL);
  g_autofree char *url = origin_url (f, "127.0.0.1", "/echo");
  const char *methods[] = { "PUT", "DELETE", "PATCH", "OPTIONS" };

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *expected = g_strdup_printf ("X-Method: %s", methods[i]);
      int status;

      out = run_curl (&status, "-x", proxy, "-i", "-X", methods[i], "--data-binary", "payload",
                      url, NULL);
      g_assert_cmpint (status, ==, 0);
      g_assert_nonnull (strstr (out, expected));
      g_assert_true (g_str_has_suffix (out, "\r\n\r\npayload"));
    }
}

static void
test_http_head_and_chunked (Fixture       *f,
                            gconstpointer  user_data)
{
  g_autofree char *proxy = proxy_url (f, "http", NULL);
  g_autofree char *big = origin_url (f, "127.0.0.1", "/big");
  g_autofree char *chunked = origin_url (f, "127.0.0.1", "/chunked");
  g_autofree char *head = NULL;
  g_autofree char *body = NULL;
  g_autofree char *body10 = NULL;
  g_autofree char *length = NULL;
  int status;

  /* HEAD: a Content-Length but no body must not hang the exchange */
  head = run_curl (&status, "-x", proxy, "-I", big, NULL);
  g_assert_cmpint (status, ==, 0);
  length = g_strdup_printf ("Content-Length: %u", BIG_SIZE);
  g_assert_nonnull (strstr (head, length));

  /* chunked passes through to an HTTP/1.1 client */
  body = run_curl (&status, "-x", proxy, "-i", chunked, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (body, "Transfer-Encoding: chunked"));
  g_assert_true (g_str_has_suffix (body, "\r\n\r\nfirst chunk, second chunk, last chunk\n"));

  /* and is decoded, then closed, for an HTTP/1.0 one */
  body10 = run_curl (&status, "-x", proxy, "--http1.0", "-i", chunked, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_null (strstr (body10, "Transfer-Encoding"));
  g_assert_nonnull (strstr (body10, "Connection: close"));
  g_assert_true (g_str_has_suffix (body10, "\r\n\r\nfirst chunk, second chunk, last chunk\n"));
}

static void
test_http_keep_alive (Fixture       *f,
                      gconstpointer  user_data)
{
  g_autofree char *proxy = proxy_url (f, "http", NULL);
  g_autofree char *url1 = origin_url (f, "127.0.0.1", "/hello");
  g_autofree char *url2 = origin_url (f, "127.0.0.1", "/big");
  g_autofree char *url3 = origin_url (f, "127.0.0.1", "/chunked");
  g_autofree char *out = NULL;
  g_autoptr(GPtrArray) log = NULL;
  int status;

  /* One curl, three URLs: one proxy connection (num_connects 1, 0, 0) and,
   * behind it, one origin connection and one session. */
  out = run_curl (&status, "-x", proxy, "-w", "%{num_connects}\n",
                  "-o", "/dev/null", url1, "-o", "/dev/null", url2, "-o", "/dev/null", url3, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "1\n0\n0\n");
  g_assert_cmpuint (f->origin_requests, ==, 3);
  g_assert_cmpuint (g_hash_table_size (f->origin_peers), ==, 1);

  wait_until_idle (f);
  log = get_log (f);
  g_assert_cmpuint (log->len, ==, 1);
  g_assert_cmpint (((SySession *) log->pdata[0])->state, ==, SY_SESSION_STATE_CLOSED);
  g_assert_cmpuint (((SySession *) log->pdata[0])->bytes_down, >, BIG_SIZE);
}

static void
test_http_keep_alive_new_origin (Fixture       *f,
                                 gconstpointer  user_data)
{
  g_autofree char *proxy = proxy_url (f, "http", NULL);
  g_autofree char *url1 = origin_url (f, "127.0.0.1", "/hello");
  g_autofree char *url2 = origin_url (f, "[::1]", "/hello");
  g_autofree char *out = NULL;
  g_autoptr(GPtrArray) log = NULL;
  int status;

  /* the proxy connection stays, the destination changes: a second session */
  out = run_curl (&status, "-x", proxy, "-w", "%{num_connects}\n",
                  "-o", "/dev/null", url1, "-o", "/dev/null", url2, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "1\n0\n");
  g_assert_cmpuint (g_hash_table_size (f->origin_peers), ==, 2);

  wait_until_idle (f);
  log = get_log (f);
  g_assert_cmpuint (log->len, ==, 2);
  g_assert_cmpstr (((SySession *) log->pdata[0])->host, ==, "127.0.0.1");
  g_assert_cmpstr (((SySession *) log->pdata[1])->host, ==, "::1");
  g_assert_cmpint (((SySession *) log->pdata[1])->state, ==, SY_SESSION_STATE_CLOSED);
}

static void
test_http_hop_by_hop (Fixture       *f,
                      gconstpointer  user_data)
{
  g_autofree char *proxy = proxy_url (f, "http", NULL);
  g_autofree char *url = origin_url (f, "127.0.0.1", "/headers");
  g_autofree char *out = NULL;
  g_autofree char *host = NULL;
  int status;

  out = run_curl (&status, "-x", proxy, "-U", "someone:pw",
                  "-H", "Connection: X-Secret", "-H", "X-Secret: 1",
                  "-H", "Keep-Alive: 300", "-H", "X-Kept: yes", url, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_null (strstr (out, "X-Secret"));
  g_assert_null (strstr (out, "Keep-Alive"));
  g_assert_null (strstr (out, "Proxy-"));
  g_assert_null (strstr (out, "Connection"));
  g_assert_nonnull (strstr (out, "X-Kept: yes\n"));
  host = g_strdup_printf ("Host: 127.0.0.1:%u\n", f->origin_port);
  g_assert_nonnull (strstr (out, host));
}

static void
test_http_auth (Fixture       *f,
                gconstpointer  user_data)
{
  g_autofree char *proxy = proxy_url (f, "http", NULL);
  g_autofree char *url = origin_url (f, "127.0.0.1", "/hello");
  g_autofree char *ok = NULL;
  g_autofree char *ok_connect = NULL;
  g_autofree char *wrong = NULL;
  g_autofree char *missing = NULL;
  g_autoptr(SySession) session = NULL;
  int status;

  ok = run_curl (&status, "-x", proxy, "-U", "alice:s3cret", url, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (ok, ==, "hello world\n");

  ok_connect = run_curl (&status, "-p", "-x", proxy, "-U", "alice:s3cret", ORIGIN_CLOSES, url, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (ok_connect, ==, "hello world\n");

  wrong = run_curl (&status, "-x", proxy, "-U", "alice:wrong", "-o", "/dev/null",
                    "-w", "%{http_code}", url, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (wrong, ==, "407");
  session = wait_for_log (f, 3);
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_FAILED);
  g_assert_cmpstr (session->error, ==, "Wrong proxy username or password");

  missing = run_curl (&status, "-x", proxy, "-i", url, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (missing, "HTTP/1.1 407 Proxy Authentication Required\r\n"));
  g_assert_nonnull (strstr (missing, "Proxy-Authenticate: Basic realm=\"Switchyard\"\r\n"));

  g_assert_cmpuint (f->origin_requests, ==, 2);
}

static void
test_http_dial_errors (Fixture       *f,
                       gconstpointer  user_data)
{
  g_autofree char *proxy = proxy_url (f, "http", NULL);
  g_autofree char *closed = g_strdup_printf ("http://127.0.0.1:%u/",
                                             sy_test_find_free_port ("127.0.0.1"));
  g_autofree char *out = NULL;
  g_autofree char *out_connect = NULL;
  int status;

  out = run_curl (&status, "-x", proxy, "-i", closed, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (out, "HTTP/1.1 502 Bad Gateway\r\n"));
  g_assert_nonnull (strstr (out, "Content-Type: text/plain"));
  g_assert_nonnull (strstr (out, "could not connect to 127.0.0.1:"));

  /* curl reports a refused CONNECT as exit 56 */
  out_connect = run_curl (&status, "-p", "-x", proxy, closed, NULL);
  g_assert_cmpint (status, ==, 56);
}

/* Raw sockets ------------------------------------------------------------------ */

typedef struct
{
  guint16       port;
  GBytes       *send;
  gboolean      half_close;   /* shut down our side after sending */
  GByteArray   *received;
  GError       *error;
  gint          done;
} RawExchange;

static gpointer
raw_thread (gpointer user_data)
{
  RawExchange *x = user_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  GSocket *socket;
  guint8 buffer[16384];

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", x->port, NULL, &x->error);
  if (connection != NULL)
    {
      socket = g_socket_connection_get_socket (connection);
      g_socket_set_timeout (socket, 10);
      if (g_socket_send_with_blocking (socket, g_bytes_get_data (x->send, NULL),
                                       g_bytes_get_size (x->send), TRUE, NULL, &x->error) >= 0)
        {
          if (x->half_close)
            g_socket_shutdown (socket, FALSE, TRUE, NULL);
          for (;;)
            {
              gssize n = g_socket_receive_with_blocking (socket, (char *) buffer, sizeof buffer,
                                                         TRUE, NULL, &x->error);
              if (n <= 0)
                break;
              g_byte_array_append (x->received, buffer, n);
            }
        }
    }

  g_atomic_int_set (&x->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

/* Sends @data to the proxy on a thread, reads until the proxy closes and
 * returns everything it sent back. */
static GBytes *
raw_exchange_full (Fixture      *f,
                   const guint8 *data,
                   gsize         length,
                   gboolean      half_close)
{
  RawExchange x = { 0 };
  GThread *thread;

  x.port = f->proxy_port;
  x.send = g_bytes_new (data, length);
  x.half_close = half_close;
  x.received = g_byte_array_new ();

  thread = g_thread_new ("raw-client", raw_thread, &x);
  while (!g_atomic_int_get (&x.done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);

  g_bytes_unref (x.send);
  if (x.error != NULL && !g_error_matches (x.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
    g_assert_no_error (x.error);
  g_clear_error (&x.error);

  return g_byte_array_free_to_bytes (x.received);
}

static GBytes *
raw_exchange (Fixture      *f,
              const guint8 *data,
              gsize         length)
{
  return raw_exchange_full (f, data, length, FALSE);
}

static GBytes *
raw_text (Fixture    *f,
          const char *text)
{
  return raw_exchange (f, (const guint8 *) text, strlen (text));
}

#define B(...) ((const guint8[]) { __VA_ARGS__ }), sizeof ((const guint8[]) { __VA_ARGS__ })

#define assert_bytes(bytes, ...) \
  G_STMT_START { \
    static const guint8 expected_[] = { __VA_ARGS__ }; \
    g_assert_cmpmem (g_bytes_get_data ((bytes), NULL), g_bytes_get_size (bytes), \
                     expected_, sizeof expected_); \
  } G_STMT_END

static void
test_raw_socks5_errors (Fixture       *f,
                        gconstpointer  user_data)
{
  guint16 closed = sy_test_find_free_port ("127.0.0.1");
  g_autoptr(GBytes) bind = NULL;
  g_autoptr(GBytes) udp = NULL;
  g_autoptr(GBytes) bad_atyp = NULL;
  g_autoptr(GBytes) bad_command = NULL;
  g_autoptr(GBytes) refused = NULL;
  g_autoptr(GBytes) unresolvable = NULL;
  g_autoptr(GBytes) empty_domain = NULL;
  g_autoptr(GBytes) no_methods = NULL;
  g_autoptr(GBytes) gssapi_only = NULL;
  g_autoptr(GBytes) wrong_version = NULL;
  g_autoptr(SySession) session = NULL;
  static const char invalid[] = "nonexistent.invalid";
  guint8 request[64];
  gsize n = 0;

  bind = raw_exchange (f, B (0x05, 0x01, 0x00,
                             0x05, 0x02, 0x00, 0x01, 127, 0, 0, 1, 0x00, 0x50));
  assert_bytes (bind, 0x05, 0x00, 0x05, 0x07, 0x00, 0x01, 0, 0, 0, 0, 0, 0);
  session = wait_for_log (f, 1);
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_FAILED);
  g_assert_cmpstr (session->error, ==, "SOCKS5 BIND is not supported");
  g_clear_pointer (&session, sy_session_unref);

  udp = raw_exchange (f, B (0x05, 0x01, 0x00,
                            0x05, 0x03, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x00));
  assert_bytes (udp, 0x05, 0x00, 0x05, 0x07, 0x00, 0x01, 0, 0, 0, 0, 0, 0);

  bad_atyp = raw_exchange (f, B (0x05, 0x01, 0x00,
                                 0x05, 0x01, 0x00, 0x09, 127, 0, 0, 1, 0x00, 0x50));
  assert_bytes (bad_atyp, 0x05, 0x00, 0x05, 0x08, 0x00, 0x01, 0, 0, 0, 0, 0, 0);

  bad_command = raw_exchange (f, B (0x05, 0x01, 0x00,
                                    0x05, 0x09, 0x00, 0x01, 127, 0, 0, 1, 0x00, 0x50));
  assert_bytes (bad_command, 0x05, 0x00, 0x05, 0x07, 0x00, 0x01, 0, 0, 0, 0, 0, 0);

  refused = raw_exchange (f, B (0x05, 0x01, 0x00,
                                0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, closed >> 8, closed & 0xff));
  assert_bytes (refused, 0x05, 0x00, 0x05, 0x05, 0x00, 0x01, 0, 0, 0, 0, 0, 0);
  session = wait_for_log (f, 5);
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_FAILED);
  g_clear_pointer (&session, sy_session_unref);

  memcpy (request, (const guint8[]) { 0x05, 0x01, 0x00, 0x05, 0x01, 0x00, 0x03 }, 7);
  n = 7;
  request[n++] = sizeof invalid - 1;
  memcpy (request + n, invalid, sizeof invalid - 1);
  n += sizeof invalid - 1;
  request[n++] = 0x00;
  request[n++] = 0x50;
  unresolvable = raw_exchange (f, request, n);
  assert_bytes (unresolvable, 0x05, 0x00, 0x05, 0x04, 0x00, 0x01, 0, 0, 0, 0, 0, 0);
  session = wait_for_log (f, 6);
  g_assert_cmpstr (session->host, ==, "nonexistent.invalid");
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_FAILED);
  g_clear_pointer (&session, sy_session_unref);

  empty_domain = raw_exchange (f, B (0x05, 0x01, 0x00,
                                     0x05, 0x01, 0x00, 0x03, 0x00, 0x00, 0x50));
  assert_bytes (empty_domain, 0x05, 0x00, 0x05, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0, 0);

  no_methods = raw_exchange (f, B (0x05, 0x00));
  assert_bytes (no_methods, 0x05, 0xff);

  gssapi_only = raw_exchange (f, B (0x05, 0x01, 0x01));
  assert_bytes (gssapi_only, 0x05, 0xff);

  /* right greeting, then a SOCKS4-style request */
  wrong_version = raw_exchange (f, B (0x05, 0x01, 0x00,
                                      0x04, 0x01, 0x00, 0x50, 127, 0, 0, 1, 0x00));
  assert_bytes (wrong_version, 0x05, 0x00, 0x05, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0, 0);

  g_assert_cmpuint (f->origin_requests, ==, 0);
}

static void
test_raw_socks5_auth (Fixture       *f,
                      gconstpointer  user_data)
{
  g_autoptr(GBytes) no_auth_offered = NULL;
  g_autoptr(GBytes) wrong = NULL;
  g_autoptr(GBytes) wrong_user = NULL;
  g_autoptr(GBytes) bad_version = NULL;

  /* credentials configured: "no authentication" alone is not enough */
  no_auth_offered = raw_exchange (f, B (0x05, 0x01, 0x00));
  assert_bytes (no_auth_offered, 0x05, 0xff);

  wrong = raw_exchange (f, B (0x05, 0x02, 0x00, 0x02,
                              0x01, 0x05, 'a', 'l', 'i', 'c', 'e', 0x05, 's', '3', 'c', 'r', 'e'));
  assert_bytes (wrong, 0x05, 0x02, 0x01, 0x01);

  wrong_user = raw_exchange (f, B (0x05, 0x01, 0x02,
                                   0x01, 0x03, 'b', 'o', 'b', 0x06, 's', '3', 'c', 'r', 'e', 't'));
  assert_bytes (wrong_user, 0x05, 0x02, 0x01, 0x01);

  bad_version = raw_exchange (f, B (0x05, 0x01, 0x02,
                                    0x05, 0x05, 'a', 'l', 'i', 'c', 'e', 0x06, 's', '3', 'c', 'r', 'e', 't'));
  assert_bytes (bad_version, 0x05, 0x02, 0x01, 0x01);
}

static void
test_raw_socks5_pipelined (Fixture       *f,
                           gconstpointer  user_data)
{
  g_autoptr(GByteArray) request = g_byte_array_new ();
  g_autoptr(GBytes) reply = NULL;
  const char *http = "GET /hello HTTP/1.0\r\n\r\n";
  const guint8 *bytes;
  gsize size;

  /* Greeting, auth, request and the first payload bytes in one write:
   * everything past the request must reach the destination. */
  g_byte_array_append (request, B (0x05, 0x01, 0x02));
  g_byte_array_append (request, B (0x01, 0x05, 'a', 'l', 'i', 'c', 'e', 0x06, 's', '3', 'c', 'r', 'e', 't'));
  g_byte_array_append (request, B (0x05, 0x01, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                                   f->origin_port >> 8, f->origin_port & 0xff));
  g_byte_array_append (request, (const guint8 *) http, strlen (http));

  reply = raw_exchange (f, request->data, request->len);
  bytes = g_bytes_get_data (reply, &size);

  g_assert_cmpuint (size, >, 4 + 22);
  g_assert_cmpmem (bytes, 4, ((const guint8[]) { 0x05, 0x02, 0x01, 0x00 }), 4);
  /* BND: the IPv6 loopback address the direct outbound connected from */
  g_assert_cmpmem (bytes + 4, 20, ((const guint8[]) { 0x05, 0x00, 0x00, 0x04,
                                                     0, 0, 0, 0, 0, 0, 0, 0,
                                                     0, 0, 0, 0, 0, 0, 0, 1 }), 20);
  g_assert_cmpmem (bytes + 26, 7, "HTTP/1.", 7);
  g_assert_cmpmem (bytes + size - 12, 12, "hello world\n", 12);
}

static char *
bytes_to_string (GBytes *bytes)
{
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
test_raw_http_errors (Fixture       *f,
                      gconstpointer  user_data)
{
  g_autofree char *closed_target = g_strdup_printf ("127.0.0.1:%u", sy_test_find_free_port ("127.0.0.1"));
  g_autofree char *connect_closed = g_strdup_printf ("CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n",
                                                     closed_target, closed_target);
  g_autofree char *get_closed = g_strdup_printf ("GET http://%s/ HTTP/1.1\r\n\r\n", closed_target);
  const struct {
    const char *request;
    const char *status_line;
  } cases[] = {
    { "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n" },
    { "GET https://example.com/ HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n" },
    { "CONNECT example.com HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n" },
    { "GET http://h/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n" },
    { "GET http://h/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n" },
    { "GET http://h/ HTTP/2.0\r\n\r\n", "HTTP/1.1 505 HTTP Version Not Supported\r\n" },
    { "garbage\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n" },
    { connect_closed, "HTTP/1.1 502 Bad Gateway\r\n" },
    { get_closed, "HTTP/1.1 502 Bad Gateway\r\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) reply = raw_text (f, cases[i].request);
      g_autofree char *text = bytes_to_string (reply);
      const char *body;
      guint64 length;

      g_test_message ("request: %s", cases[i].request);
      g_assert_true (g_str_has_prefix (text, cases[i].status_line));
      g_assert_nonnull (strstr (text, "Connection: close\r\n"));
      g_assert_nonnull (strstr (text, "Content-Type: text/plain; charset=utf-8\r\n"));
      body = strstr (text, "\r\n\r\n");
      g_assert_nonnull (body);
      length = g_ascii_strtoull (strstr (text, "Content-Length: ") + 16, NULL, 10);
      g_assert_cmpuint (strlen (body + 4), ==, length);
      g_assert_cmpuint (length, >, 1);
    }

  g_assert_cmpuint (f->origin_requests, ==, 0);
}

static void
test_raw_http_oversized (Fixture       *f,
                         gconstpointer  user_data)
{
  g_autoptr(GString) head = g_string_new ("GET http://127.0.0.1/ HTTP/1.1\r\n");
  g_autoptr(GBytes) reply = NULL;
  g_autofree char *text = NULL;

  while (head->len < 70 * 1024)
    g_string_append (head, "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
  g_string_append (head, "\r\n");

  reply = raw_exchange (f, (const guint8 *) head->str, head->len);
  text = bytes_to_string (reply);
  g_assert_true (g_str_has_prefix (text, "HTTP/1.1 431 Request Header Fields Too Large\r\n"));
}

static void
test_raw_http_auth (Fixture       *f,
                    gconstpointer  user_data)
{
  g_autoptr(GBytes) missing = raw_text (f, "GET http://127.0.0.1/ HTTP/1.1\r\n\r\n");
  g_autoptr(GBytes) wrong = raw_text (f, "CONNECT 127.0.0.1:1 HTTP/1.1\r\n"
                                      "Proxy-Authorization: Basic YWxpY2U6d3Jvbmc=\r\n\r\n");
  g_autoptr(GBytes) digest = raw_text (f, "GET http://127.0.0.1/ HTTP/1.1\r\n"
                                       "Proxy-Authorization: Digest username=\"alice\"\r\n\r\n");
  g_autofree char *missing_text = bytes_to_string (missing);
  g_autofree char *wrong_text = bytes_to_string (wrong);
  g_autofree char *digest_text = bytes_to_string (digest);

  g_assert_true (g_str_has_prefix (missing_text, "HTTP/1.1 407 Proxy Authentication Required\r\n"));
  g_assert_nonnull (strstr (missing_text, "\r\nProxy-Authenticate: Basic realm=\"Switchyard\"\r\n"));
  g_assert_true (g_str_has_prefix (wrong_text, "HTTP/1.1 407 "));
  g_assert_true (g_str_has_prefix (digest_text, "HTTP/1.1 407 "));
}

static void
test_raw_http_pipelined (Fixture       *f,
                         gconstpointer  user_data)
{
  g_autofree char *requests = g_strdup_printf (
    "GET http://127.0.0.1:%u/hello HTTP/1.1\r\n\r\n"
    "POST http://127.0.0.1:%u/echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde"
    "POST http://127.0.0.1:%u/echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    "3\r\nxyz\r\n0\r\n\r\n"
    "GET http://127.0.0.1:%u/hello HTTP/1.1\r\nConnection: close\r\n\r\n",
    f->origin_port, f->origin_port, f->origin_port, f->origin_port);
  g_autoptr(GBytes) reply = raw_text (f, requests);
  g_autofree char *text = bytes_to_string (reply);
  const char *p = text;
  const char *bodies[] = { "hello world\n", "abcde", "xyz", "hello world\n" };

  /* four requests in one write: four responses, in order, and one origin
   * connection behind them */
  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      const char *end;

      g_assert_true (g_str_has_prefix (p, "HTTP/1.1 200 OK\r\n"));
      end = strstr (p, "\r\n\r\n");
      g_assert_nonnull (end);
      g_assert_true (g_str_has_prefix (end + 4, bodies[i]));
      p = end + 4 + strlen (bodies[i]);
    }
  g_assert_cmpstr (p, ==, "");
  g_assert_cmpuint (f->origin_requests, ==, 4);
  g_assert_cmpuint (g_hash_table_size (f->origin_peers), ==, 1);
}

static void
test_raw_http_connect_pending (Fixture       *f,
                               gconstpointer  user_data)
{
  g_autofree char *request = g_strdup_printf ("CONNECT 127.0.0.1:%u HTTP/1.1\r\n\r\n"
                                              "GET /hello HTTP/1.0\r\n\r\n", f->origin_port);
  g_autoptr(GBytes) reply = raw_text (f, request);
  g_autofree char *text = bytes_to_string (reply);

  /* the bytes behind the CONNECT head went through the tunnel first */
  g_assert_true (g_str_has_prefix (text, "HTTP/1.1 200 Connection established\r\n\r\nHTTP/1."));
  g_assert_true (g_str_has_suffix (text, "\r\n\r\nhello world\n"));
}

static void
test_raw_http_10_keep_alive (Fixture       *f,
                             gconstpointer  user_data)
{
  g_autofree char *requests = g_strdup_printf (
    "GET http://127.0.0.1:%u/hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
    "GET http://127.0.0.1:%u/hello HTTP/1.0\r\n\r\n",
    f->origin_port, f->origin_port);
  g_autoptr(GBytes) reply = raw_text (f, requests);
  g_autofree char *text = bytes_to_string (reply);
  const char *second;

  /* RFC 9112 §9.3: an HTTP/1.0 client keeps the connection only when it
   * asks; the proxy confirms it, and closes after the second */
  g_assert_true (g_str_has_prefix (text, "HTTP/1.1 200 OK\r\n"));
  second = strstr (text, "hello world\nHTTP/1.1 200 OK\r\n");
  g_assert_nonnull (second);
  g_assert_nonnull (g_strstr_len (text, second - text, "Connection: keep-alive\r\n"));
  g_assert_nonnull (strstr (second, "Connection: close\r\n"));
  g_assert_true (g_str_has_suffix (text, "hello world\n"));
}

static void
test_raw_garbage (Fixture       *f,
                  gconstpointer  user_data)
{
  g_autoptr(GBytes) tls = raw_exchange (f, B (0x16, 0x03, 0x01, 0x00, 0x05));
  g_autoptr(GBytes) socks4 = raw_exchange (f, B (0x04, 0x01, 0x00, 0x50, 127, 0, 0, 1, 0x00));
  g_autoptr(SySession) session = NULL;

  g_assert_cmpuint (g_bytes_get_size (tls), ==, 0);
  g_assert_cmpuint (g_bytes_get_size (socks4), ==, 0);
  session = wait_for_log (f, 2);
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_FAILED);
  g_assert_nonnull (strstr (session->error, "neither SOCKS5 nor HTTP"));
}

static void
test_handshake_timeout (Fixture       *f,
                        gconstpointer  user_data)
{
  g_autoptr(GBytes) socks = raw_exchange (f, B (0x05, 0x01));
  g_autoptr(GBytes) http = raw_text (f, "GET http://127.0.0.1/ HTTP/1.1\r\n");
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(SySession) last = NULL;

  /* a client that stops half-way is cut off by the handshake timer */
  g_assert_cmpuint (g_bytes_get_size (socks), ==, 0);
  g_assert_cmpuint (g_bytes_get_size (http), ==, 0);

  last = wait_for_log (f, 2);
  log = get_log (f);
  for (guint i = 0; i < log->len; i++)
    {
      SySession *session = log->pdata[i];

      g_assert_cmpint (session->state, ==, SY_SESSION_STATE_FAILED);
      g_assert_nonnull (strstr (session->error, "did not finish its request"));
    }
}

static void
test_connect_timeout (Fixture       *f,
                      gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyTestBlackhole) blackhole = sy_test_blackhole_new ("127.0.0.1", 0, &error);
  g_autofree char *request = NULL;
  g_autoptr(GBytes) http = NULL;
  g_autoptr(GBytes) socks = NULL;
  g_autofree char *text = NULL;
  guint16 port;

  g_assert_no_error (error);
  port = sy_test_blackhole_get_port (blackhole);

  request = g_strdup_printf ("GET http://127.0.0.1:%u/ HTTP/1.1\r\n\r\n", port);
  http = raw_text (f, request);
  text = bytes_to_string (http);
  g_assert_true (g_str_has_prefix (text, "HTTP/1.1 504 Gateway Timeout\r\n"));

  socks = raw_exchange (f, B (0x05, 0x01, 0x00,
                              0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, port >> 8, port & 0xff));
  /* RFC 1928 has no "timed out": TTL expired (0x06) is what clients show as one */
  assert_bytes (socks, 0x05, 0x00, 0x05, 0x06, 0x00, 0x01, 0, 0, 0, 0, 0, 0);
}

/* Accepts and reads, never answers. */
static void
silent_handler (GSocketConnection *connection,
                GCancellable      *cancellable,
                gpointer           user_data)
{
  char buffer[1024];

  while (g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                              buffer, sizeof buffer, cancellable, NULL) > 0)
    ;
}

static void
test_idle_timeout (Fixture       *f,
                   gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyTestServer) silent = sy_test_server_new ("127.0.0.1", 0, silent_handler, NULL, &error);
  g_autofree char *request = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autofree char *text = NULL;
  g_autoptr(SySession) session = NULL;

  g_assert_no_error (error);

  /* the server takes the request and never answers: 504 once nothing
   * moved for the idle timeout */
  request = g_strdup_printf ("GET http://127.0.0.1:%u/ HTTP/1.1\r\n\r\n",
                             sy_test_server_get_port (silent));
  reply = raw_text (f, request);
  text = bytes_to_string (reply);
  g_assert_true (g_str_has_prefix (text, "HTTP/1.1 504 Gateway Timeout\r\n"));
  g_assert_nonnull (strstr (text, "nothing moved for 0.3 s"));

  session = wait_for_log (f, 1);
  g_assert_nonnull (strstr (session->error, "nothing moved"));
}

static void
test_close_session (Fixture       *f,
                    gconstpointer  user_data)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(SySession) session = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  /* A client in the middle of its handshake; closing its session from the
   * control side must end it, not leave it to the timer. */
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", f->proxy_port, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             "\x05\x01", 2, NULL, NULL, &error);
  g_assert_no_error (error);

  while (sy_dispatcher_get_active_count (f->dispatcher) == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  sessions = sy_dispatcher_list_sessions (f->dispatcher);
  g_assert_true (sy_dispatcher_close_session (f->dispatcher,
                                              ((SySession *) sessions->pdata[0])->id));
  session = wait_for_log (f, 1);
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_CLOSED);
  g_assert_cmpstr (session->error, ==, "closed on request");
}

/* Listening -------------------------------------------------------------------- */

static void
test_listen_insecure (void)
{
  g_autoptr(SyDispatcher) dispatcher = sy_dispatcher_new ();
  g_autoptr(SyInboundConfig) config = sy_inbound_config_new ();
  g_autoptr(SyMixedInbound) inbound = NULL;
  g_autoptr(SyMixedInbound) loopback6 = NULL;
  g_autoptr(SyMixedInbound) taken = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  g_free (config->listen_address);
  config->listen_address = g_strdup ("0.0.0.0");
  config->port = 1080;
  inbound = sy_mixed_inbound_new (config, dispatcher);
  g_assert_false (sy_mixed_inbound_start (inbound, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_INSECURE);
  g_assert_cmpstr (error->message, ==,
                   "refusing to listen on 0.0.0.0:1080 without a username and password: anyone "
                   "on your network could use this proxy. Set username/password or "
                   "allow_insecure=true");
  g_clear_error (&error);
  g_clear_object (&inbound);

  g_free (config->listen_address);
  config->listen_address = g_strdup ("::");
  inbound = sy_mixed_inbound_new (config, dispatcher);
  g_assert_false (sy_mixed_inbound_start (inbound, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_INSECURE);
  g_assert_nonnull (strstr (error->message, "[::]:1080"));
  g_clear_error (&error);

  /* loopback needs no credentials */
  g_free (config->listen_address);
  config->listen_address = g_strdup ("::1");
  config->port = 0;
  loopback6 = sy_mixed_inbound_new (config, dispatcher);
  g_assert_true (sy_mixed_inbound_start (loopback6, &error));
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (
    G_INET_SOCKET_ADDRESS (sy_mixed_inbound_get_local_address (loopback6)));
  g_assert_cmpuint (port, !=, 0);

  /* the same port twice */
  config->port = port;
  taken = sy_mixed_inbound_new (config, dispatcher);
  g_assert_false (sy_mixed_inbound_start (taken, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);

  /* not an address */
  g_free (config->listen_address);
  config->listen_address = g_strdup ("proxy.example");
  g_clear_object (&inbound);
  inbound = sy_mixed_inbound_new (config, dispatcher);
  g_assert_false (sy_mixed_inbound_start (inbound, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);

  sy_mixed_inbound_stop (loopback6);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, options, func) \
  g_test_add ("/core/inbound/" path, Fixture, options, fixture_set_up, func, fixture_tear_down)

  ADD ("socks5h-domain", &no_auth, test_socks5h_domain);
  ADD ("socks5-ipv4", &no_auth, test_socks5_ipv4);
  ADD ("socks5-big-checksum", &no_auth, test_socks5_big_checksum);
  ADD ("socks5-ipv6", &no_auth, test_socks5_ipv6);
  ADD ("socks5-auth", &with_auth, test_socks5_auth);
  ADD ("http-forward", &no_auth, test_http_forward);
  ADD ("http-forward-ipv6", &no_auth, test_http_forward_ipv6);
  ADD ("http-connect", &no_auth, test_http_connect);
  ADD ("http-connect-ipv6", &no_auth, test_http_connect_ipv6);
  ADD ("http-post-length", &no_auth, test_http_post_length);
  ADD ("http-post-chunked", &no_auth, test_http_post_chunked);
  ADD ("http-expect-continue", &no_auth, test_http_expect_continue);
  ADD ("http-methods", &no_auth, test_http_methods);
  ADD ("http-head-and-chunked", &no_auth, test_http_head_and_chunked);
  ADD ("http-keep-alive", &no_auth, test_http_keep_alive);
  ADD ("http-keep-alive-new-origin", &no_auth, test_http_keep_alive_new_origin);
  ADD ("http-hop-by-hop", &no_auth, test_http_hop_by_hop);
  ADD ("http-auth", &with_auth, test_http_auth);
  ADD ("http-dial-errors", &no_auth, test_http_dial_errors);
  ADD ("raw/socks5-errors", &no_auth, test_raw_socks5_errors);
  ADD ("raw/socks5-auth", &with_auth, test_raw_socks5_auth);
  ADD ("raw/socks5-pipelined", &with_auth, test_raw_socks5_pipelined);
  ADD ("raw/http-errors", &no_auth, test_raw_http_errors);
  ADD ("raw/http-oversized", &no_auth, test_raw_http_oversized);
  ADD ("raw/http-auth", &with_auth, test_raw_http_auth);
  ADD ("raw/http-pipelined", &no_auth, test_raw_http_pipelined);
  ADD ("raw/http-connect-pending", &no_auth, test_raw_http_connect_pending);
  ADD ("raw/http-10-keep-alive", &no_auth, test_raw_http_10_keep_alive);
  ADD ("raw/garbage", &no_auth, test_raw_garbage);
  ADD ("handshake-timeout", &short_handshake, test_handshake_timeout);
  ADD ("connect-timeout", &short_connect, test_connect_timeout);
  ADD ("idle-timeout", &short_idle, test_idle_timeout);
  ADD ("close-session", &no_auth, test_close_session);
  g_test_add_func ("/core/inbound/listen-insecure", test_listen_insecure);

#undef ADD

  return g_test_run ();
}
