/* test-http-outbound.c — HTTP CONNECT client against tinyproxy and a fake
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "outbound/sy-direct-outbound.h"
#include "outbound/sy-upstream-outbound.h"
#include "util/sy-error.h"

#include "outbound-test-util.h"

static SyOutbound *
new_http (const char *host,
          guint16     port,
          const char *username,
          const char *password)
{
  g_autoptr(SyOutbound) direct = sy_direct_outbound_new ("direct");

  return sy_http_outbound_new ("up", direct, host, port, username, password);
}

/* ---- tinyproxy ----------------------------------------------------------- */

static void
test_tinyproxy (void)
{
  g_autoptr(SyTestPeer) peer = NULL;
  g_autoptr(SyTestServer) echo = NULL;
  g_autoptr(SyOutbound) http = NULL;
  g_autoptr(GError) error = NULL;
  const char *hosts[] = { "127.0.0.1", "localhost" };

  peer = sy_test_peer_start_tinyproxy (NULL, NULL, &error);
  g_assert_no_error (error);
  echo = sy_test_echo_server_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);

  http = new_http (sy_test_peer_get_host (peer), sy_test_peer_get_port (peer), NULL, NULL);
  g_assert_cmpstr (sy_outbound_get_kind (http), ==, "http");

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      g_autoptr(GIOStream) stream = NULL;

      stream = dial_sync (http, NULL, hosts[i], sy_test_server_get_port (echo), NULL, &error);
      g_assert_no_error (error);
      g_assert_true (G_IS_SOCKET_CONNECTION (stream));
      assert_echo (stream, "through tinyproxy");
    }
}

static void
test_tinyproxy_basic_auth (void)
{
  g_autoptr(SyTestPeer) peer = NULL;
  g_autoptr(SyTestServer) echo = NULL;
  g_autoptr(GError) error = NULL;

  peer = sy_test_peer_start_tinyproxy ("alice", "s3cret", &error);
  g_assert_no_error (error);
  echo = sy_test_echo_server_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);

  {
    g_autoptr(SyOutbound) http = new_http (sy_test_peer_get_host (peer),
                                           sy_test_peer_get_port (peer), "alice", "s3cret");
    g_autoptr(GIOStream) stream = NULL;

    stream = dial_sync (http, NULL, "127.0.0.1", sy_test_server_get_port (echo), NULL, &error);
    g_assert_no_error (error);
    assert_echo (stream, "authenticated");
  }

  {
    g_autoptr(SyOutbound) http = new_http (sy_test_peer_get_host (peer),
                                           sy_test_peer_get_port (peer), "alice", "wrong");
    g_autoptr(GIOStream) stream = NULL;

    stream = dial_sync (http, NULL, "127.0.0.1", sy_test_server_get_port (echo), NULL, &error);
    g_assert_error (error, SY_ERROR, SY_ERROR_AUTH_FAILED);
    g_assert_cmpstr (error->message, ==, "upstream up refused the username/password");
    g_assert_null (stream);
    g_clear_error (&error);
  }

  {
    g_autoptr(SyOutbound) http = new_http (sy_test_peer_get_host (peer),
                                           sy_test_peer_get_port (peer), NULL, NULL);
    g_autoptr(GIOStream) stream = NULL;

    stream = dial_sync (http, NULL, "127.0.0.1", sy_test_server_get_port (echo), NULL, &error);
    g_assert_error (error, SY_ERROR, SY_ERROR_AUTH_FAILED);
    g_assert_null (stream);
  }
}

/* tinyproxy answers "500 Unable to connect" when its connect() fails. */
static void
test_tinyproxy_refused (void)
{
  g_autoptr(SyTestPeer) peer = NULL;
  g_autoptr(SyOutbound) http = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  peer = sy_test_peer_start_tinyproxy (NULL, NULL, &error);
  g_assert_no_error (error);
  http = new_http (sy_test_peer_get_host (peer), sy_test_peer_get_port (peer), NULL, NULL);

  stream = dial_sync (http, NULL, "127.0.0.1", sy_test_find_free_port ("127.0.0.1"), NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "500"));
  g_assert_null (stream);
  g_test_message ("%s", error->message);
}

/* ---- A fake proxy that records the request ------------------------------ */

typedef struct
{
  char        *response;   /* sent in one write, tunnel bytes included */
  gboolean     silent;     /* never answer */
  GAsyncQueue *requests;   /* char *: the request head as received */
  GAsyncQueue *closed;     /* one item per connection the client closed */
} FakeProxy;

static void
wait_for_close (GInputStream *input,
                GCancellable *cancellable,
                FakeProxy    *fake)
{
  guint8 byte;

  while (g_input_stream_read (input, &byte, 1, cancellable, NULL) > 0)
    ;
  if (!g_cancellable_is_cancelled (cancellable))
    g_async_queue_push (fake->closed, GUINT_TO_POINTER (1));
}

static void
fake_proxy_handler (GSocketConnection *connection,
                    GCancellable      *cancellable,
                    gpointer           user_data)
{
  FakeProxy *fake = user_data;
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autoptr(GString) head = g_string_new (NULL);

  if (fake->silent)
    {
      wait_for_close (input, cancellable, fake);
      return;
    }

  while (!g_str_has_suffix (head->str, "\r\n\r\n"))
    {
      char c;

      if (g_input_stream_read (input, &c, 1, cancellable, NULL) != 1)
        return;
      g_string_append_c (head, c);
    }
  g_async_queue_push (fake->requests, g_strdup (head->str));

  g_output_stream_write_all (output, fake->response, strlen (fake->response), NULL,
                             cancellable, NULL);
  wait_for_close (input, cancellable, fake);
}

static FakeProxy *
fake_proxy_new (const char *response)
{
  FakeProxy *fake = g_new0 (FakeProxy, 1);

  fake->response = g_strdup (response);
  fake->requests = g_async_queue_new_full (g_free);
  fake->closed = g_async_queue_new ();
  return fake;
}

static void
fake_proxy_free (FakeProxy *fake)
{
  g_free (fake->response);
  g_async_queue_unref (fake->requests);
  g_async_queue_unref (fake->closed);
  g_free (fake);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeProxy, fake_proxy_free)

static char *
pop_request (FakeProxy *fake)
{
  char *request = g_async_queue_timeout_pop (fake->requests, 10 * G_USEC_PER_SEC);

  g_assert_nonnull (request);
  return request;
}

/* The 200 and the tunnel's first bytes leave in one write (one segment on
 * loopback with TCP_NODELAY): the client must stop reading at the blank
 * line and leave "HELLO" for whoever reads the stream next. */
static void
test_fake_no_over_read (void)
{
  g_autoptr(FakeProxy) fake = NULL;
  g_autoptr(SyTestServer) server = NULL;
  g_autoptr(SyOutbound) http = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *request = NULL;
  g_autofree char *tail = NULL;

  fake = fake_proxy_new ("HTTP/1.1 200 Connection established\r\n"
                         "Proxy-Agent: fake\r\n"
                         "\r\n"
                         "HELLO");
  server = sy_test_server_new ("127.0.0.1", 0, fake_proxy_handler, fake, &error);
  g_assert_no_error (error);
  http = new_http ("127.0.0.1", sy_test_server_get_port (server), NULL, NULL);

  stream = dial_sync (http, NULL, "localhost", 1234, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_SOCKET_CONNECTION (stream));

  request = pop_request (fake);
  g_assert_cmpstr (request, ==,
                   "CONNECT localhost:1234 HTTP/1.1\r\n"
                   "Host: localhost:1234\r\n"
                   "\r\n");

  tail = read_exactly (stream, 5);
  g_assert_cmpstr (tail, ==, "HELLO");
}

static void
test_fake_request_format (void)
{
  g_autoptr(FakeProxy) fake = fake_proxy_new ("HTTP/1.0 200 OK\r\n\r\n");
  g_autoptr(SyTestServer) server = NULL;
  g_autoptr(GError) error = NULL;

  server = sy_test_server_new ("127.0.0.1", 0, fake_proxy_handler, fake, &error);
  g_assert_no_error (error);

  /* IPv6 literals are bracketed (RFC 3986 §3.2.2). */
  {
    g_autoptr(SyOutbound) http = new_http ("127.0.0.1", sy_test_server_get_port (server),
                                           NULL, NULL);
    g_autoptr(GIOStream) stream = dial_sync (http, NULL, "2001:db8::1", 443, NULL, &error);
    g_autofree char *request = NULL;

    g_assert_no_error (error);
    request = pop_request (fake);
    g_assert_cmpstr (request, ==,
                     "CONNECT [2001:db8::1]:443 HTTP/1.1\r\n"
                     "Host: [2001:db8::1]:443\r\n"
                     "\r\n");
  }

  /* RFC 7617 Basic credentials: base64 ("alice:s3cret"). */
  {
    g_autoptr(SyOutbound) http = new_http ("127.0.0.1", sy_test_server_get_port (server),
                                           "alice", "s3cret");
    g_autoptr(GIOStream) stream = dial_sync (http, NULL, "192.0.2.1", 80, NULL, &error);
    g_autofree char *request = NULL;

    g_assert_no_error (error);
    request = pop_request (fake);
    g_assert_cmpstr (request, ==,
                     "CONNECT 192.0.2.1:80 HTTP/1.1\r\n"
                     "Host: 192.0.2.1:80\r\n"
                     "Proxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n"
                     "\r\n");
  }
}

static void
test_fake_status_mapping (void)
{
  /* ours: an SY_ERROR code rather than a G_IO_ERROR one. */
  struct { const char *response; gboolean ours; gint code; } cases[] = {
    { "HTTP/1.1 407 Proxy Authentication Required\r\n"
      "Proxy-Authenticate: Basic realm=\"x\"\r\nContent-Length: 0\r\n\r\n",
      TRUE, SY_ERROR_AUTH_FAILED },
    { "HTTP/1.0 401 Unauthorized\r\n\r\n", TRUE, SY_ERROR_AUTH_FAILED },
    { "HTTP/1.1 502 Bad Gateway\r\n\r\n", FALSE, G_IO_ERROR_CONNECTION_REFUSED },
    { "HTTP/1.1 503 Service Unavailable\r\n\r\n", FALSE, G_IO_ERROR_HOST_UNREACHABLE },
    { "HTTP/1.1 504 Gateway Timeout\r\n\r\n", FALSE, G_IO_ERROR_TIMED_OUT },
    { "HTTP/1.1 403 Forbidden\r\n\r\n", FALSE, G_IO_ERROR_PERMISSION_DENIED },
    { "HTTP/1.1 500 Internal Server Error\r\n\r\n", FALSE, G_IO_ERROR_FAILED },
    { "SSH-2.0-OpenSSH_9.2\r\n\r\n", TRUE, SY_ERROR_PROTOCOL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(FakeProxy) fake = fake_proxy_new (cases[i].response);
      g_autoptr(SyTestServer) server = NULL;
      g_autoptr(SyOutbound) http = NULL;
      g_autoptr(GIOStream) stream = NULL;
      g_autoptr(GError) error = NULL;

      server = sy_test_server_new ("127.0.0.1", 0, fake_proxy_handler, fake, &error);
      g_assert_no_error (error);
      http = new_http ("127.0.0.1", sy_test_server_get_port (server), NULL, NULL);

      stream = dial_sync (http, NULL, "example.org", 443, NULL, &error);
      g_assert_error (error, (cases[i].ours ? SY_ERROR : G_IO_ERROR), cases[i].code);
      g_assert_null (stream);
      g_test_message ("%s", error->message);
      /* The stream to the proxy was closed, not leaked. */
      g_assert_nonnull (g_async_queue_timeout_pop (fake->closed, 10 * G_USEC_PER_SEC));
    }
}

static void
closing_handler (GSocketConnection *connection,
                 GCancellable      *cancellable,
                 gpointer           user_data)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  char buf[256];

  /* Half a response, then hang up. */
  if (g_input_stream_read (input, buf, sizeof buf, cancellable, NULL) <= 0)
    return;
  g_output_stream_write_all (output, "HTTP/1.1 200 OK\r\n", 17, NULL, cancellable, NULL);
}

static void
test_fake_closed_early (void)
{
  g_autoptr(SyTestServer) server = NULL;
  g_autoptr(SyOutbound) http = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  server = sy_test_server_new ("127.0.0.1", 0, closing_handler, NULL, &error);
  g_assert_no_error (error);
  http = new_http ("127.0.0.1", sy_test_server_get_port (server), NULL, NULL);

  stream = dial_sync (http, NULL, "example.org", 443, NULL, &error);
  g_assert_error (error, SY_ERROR, SY_ERROR_PROTOCOL);
  g_assert_null (stream);
}

static void
test_fake_cancel (void)
{
  g_autoptr(FakeProxy) fake = fake_proxy_new ("");
  g_autoptr(SyTestServer) server = NULL;
  g_autoptr(SyOutbound) http = NULL;
  g_autoptr(GError) error = NULL;

  fake->silent = TRUE;
  server = sy_test_server_new ("127.0.0.1", 0, fake_proxy_handler, fake, &error);
  g_assert_no_error (error);
  http = new_http ("127.0.0.1", sy_test_server_get_port (server), NULL, NULL);

  assert_dial_cancelled (http, "example.org", 443, 100);
  g_assert_nonnull (g_async_queue_timeout_pop (fake->closed, 10 * G_USEC_PER_SEC));
}

static void
test_header_injection (void)
{
  g_autoptr(SyOutbound) http = new_http ("127.0.0.1", 9, NULL, NULL);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  stream = dial_sync (http, NULL, "evil\r\nX-Injected: 1", 443, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (stream);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/interop/outbound/http/tinyproxy", test_tinyproxy);
  g_test_add_func ("/interop/outbound/http/tinyproxy-basic-auth", test_tinyproxy_basic_auth);
  g_test_add_func ("/interop/outbound/http/tinyproxy-refused", test_tinyproxy_refused);
  g_test_add_func ("/core/outbound/http/no-over-read", test_fake_no_over_read);
  g_test_add_func ("/core/outbound/http/request-format", test_fake_request_format);
  g_test_add_func ("/core/outbound/http/status-mapping", test_fake_status_mapping);
  g_test_add_func ("/core/outbound/http/closed-early", test_fake_closed_early);
  g_test_add_func ("/core/outbound/http/cancel", test_fake_cancel);
  g_test_add_func ("/core/outbound/http/header-injection", test_header_injection);

  return g_test_run ();
}
