/* test-wireguard-outbound.c — SyWireguardOutbound against wireguard-go
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The whole userspace path: our WireGuard device and lwIP netstack in this
 * process, wireguard-go with the kernel's TCP/IP stack in a namespace of
 * its own (tests/common/sy-test-wg.h), and real services there: an HTTP
 * server, a DNS server for wg.test. Bytes are checked end to end.
 *
 *   test ── SyWireguardOutbound ── SyNetstack ── SyWgDevice ══ UDP ══
 *        wireguard-go ── kernel ── http_server.py / DNS
 *
 * Needs root; skips without it unless CI is set.
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "netstack/sy-lwip-core.h"
#include "netstack/sy-netstack-tcp-stream.h"
#include "outbound/sy-wireguard-outbound.h"
#include "session/sy-session.h"
#include "wireguard/sy-wg-profile.h"

#include "sy-test-wg.h"
#include "netstack-test-util.h"

#define DOWNLOAD_SIZE (64 * 1024 * 1024)
#define UPLOAD_SIZE   (16 * 1024 * 1024)

typedef struct
{
  SyTestWgServer      *server;
  SyWireguardOutbound *outbound;
  SyWgProfile         *profile;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *private_key = NULL;
  g_autofree char *public_key = NULL;
  g_autofree char *text = NULL;

  if (!sy_test_wg_require_isolation ())
    return;

  g_assert_true (sy_test_wg_genkey (&private_key, &public_key, &error));
  g_assert_no_error (error);

  fixture->server = sy_test_wg_server_new (0, public_key, NULL, &error);
  g_assert_no_error (error);

  text = g_strdup_printf ("[Interface]\n"
                          "PrivateKey = %s\n"
                          "Address = %s/32, %s/128\n"
                          "DNS = %s\n"
                          "\n"
                          "[Peer]\n"
                          "PublicKey = %s\n"
                          "Endpoint = %s\n"
                          "AllowedIPs = 10.77.0.0/24, fd77::/64\n",
                          private_key,
                          sy_test_wg_server_get_client_address (fixture->server),
                          sy_test_wg_server_get_client_address6 (fixture->server),
                          sy_test_wg_server_get_tunnel_address (fixture->server),
                          sy_test_wg_server_get_public_key (fixture->server),
                          sy_test_wg_server_get_endpoint (fixture->server));
  fixture->profile = sy_wg_profile_parse_wg_quick (text, "wg-test.conf", &error);
  g_assert_no_error (error);

  fixture->outbound = sy_wireguard_outbound_new ("wg-test", fixture->profile, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sy_outbound_get_kind (SY_OUTBOUND (fixture->outbound)), ==, "wireguard");
  g_assert_true (sy_wireguard_outbound_start (fixture->outbound, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->outbound != NULL)
    sy_wireguard_outbound_stop (fixture->outbound);
  g_clear_object (&fixture->outbound);
  g_clear_pointer (&fixture->profile, sy_wg_profile_unref);
  g_clear_pointer (&fixture->server, sy_test_wg_server_free);
}

/* Dialing ---------------------------------------------------------------------- */

typedef struct
{
  gint       done;
  GIOStream *stream;
  GError    *error;
} DialResult;

static void
dial_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  DialResult *dial = user_data;

  dial->stream = sy_outbound_dial_finish (SY_OUTBOUND (object), result, &dial->error);
  g_atomic_int_set (&dial->done, TRUE);
}

static GIOStream *
dial (Fixture     *fixture,
      SySession   *session,
      const char  *host,
      guint16      port,
      GError     **error)
{
  DialResult result = { 0 };

  sy_outbound_dial_async (SY_OUTBOUND (fixture->outbound), session, host, port, NULL,
                          dial_cb, &result);
  g_assert_false (result.done);
  wait_for_flag (&result.done, "dial");
  g_assert_true ((result.stream == NULL) != (result.error == NULL));
  if (result.error != NULL)
    g_propagate_error (error, result.error);
  return result.stream;
}

/* A small HTTP/1.1 exchange over a netstack stream ------------------------------ */

typedef struct
{
  GIOStream             *stream;
  GPollableInputStream  *in;
  GPollableOutputStream *out;

  GString               *request;
  gsize                  request_sent;
  guint64                body_length;    /* of the pattern, sent after the head */
  guint64                body_sent;

  GString               *head;
  gboolean               head_done;
  guint64                content_length;
  guint64                received;
  GChecksum             *received_sum;
  GString               *body;           /* kept up to 64 KiB */

  gint64                 started;
  gint64                 first_byte;
  gint64                 finished;
  GError                *error;
  gint                   done;
} Http;

static gboolean
http_fail (Http   *http,
           GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      g_error_free (error);
      return G_SOURCE_CONTINUE;
    }
  http->error = error;
  g_atomic_int_set (&http->done, TRUE);
  return G_SOURCE_REMOVE;
}

static gboolean
http_write_cb (GObject  *object,
               gpointer  user_data)
{
  Http *http = user_data;
  guint8 chunk[64 * 1024];
  GError *error = NULL;
  gssize n;

  while (http->request_sent < http->request->len)
    {
      n = g_pollable_output_stream_write_nonblocking (http->out,
                                                      http->request->str + http->request_sent,
                                                      http->request->len - http->request_sent,
                                                      NULL, &error);
      if (n < 0)
        return http_fail (http, error);
      http->request_sent += n;
    }

  while (http->body_sent < http->body_length)
    {
      gsize want = MIN (sizeof chunk, http->body_length - http->body_sent);

      pattern_fill (chunk, http->body_sent, want);
      n = g_pollable_output_stream_write_nonblocking (http->out, chunk, want, NULL, &error);
      if (n < 0)
        return http_fail (http, error);
      http->body_sent += n;
    }

  return G_SOURCE_REMOVE;
}

static gboolean
http_read_cb (GObject  *object,
              gpointer  user_data)
{
  Http *http = user_data;
  guint8 buffer[64 * 1024];

  for (;;)
    {
      GError *error = NULL;
      gssize n = g_pollable_input_stream_read_nonblocking (http->in, buffer, sizeof buffer,
                                                          NULL, &error);
      gssize offset = 0;

      if (n < 0)
        return http_fail (http, error);
      if (n == 0)
        break;
      if (http->first_byte == 0)
        http->first_byte = g_get_monotonic_time ();

      if (!http->head_done)
        {
          const char *end;
          const char *length;

          g_string_append_len (http->head, (const char *) buffer, n);
          end = strstr (http->head->str, "\r\n\r\n");
          if (end == NULL)
            continue;
          http->head_done = TRUE;
          offset = n - (http->head->len - (end + 4 - http->head->str));
          g_string_truncate (http->head, end + 4 - http->head->str);
          length = strstr (http->head->str, "Content-Length: ");
          g_assert_nonnull (length);
          http->content_length = g_ascii_strtoull (length + 16, NULL, 10);
        }

      g_checksum_update (http->received_sum, buffer + offset, n - offset);
      if (http->body->len < 64 * 1024)
        g_string_append_len (http->body, (const char *) buffer + offset,
                             MIN ((gsize) (n - offset), 64 * 1024 - http->body->len));
      http->received += n - offset;
      if (http->head_done && http->received >= http->content_length)
        break;
    }

  http->finished = g_get_monotonic_time ();
  g_atomic_int_set (&http->done, TRUE);
  return G_SOURCE_REMOVE;
}

/* Sends "METHOD PATH" (with @body_length bytes of the pattern) and reads
 * the whole answer. */
static Http *
http_exchange (GIOStream  *stream,
               const char *method,
               const char *path,
               guint64     body_length)
{
  Http *http = g_new0 (Http, 1);
  GSource *out_source;
  GSource *in_source;

  http->stream = g_object_ref (stream);
  http->in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));
  http->out = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream));
  http->request = g_string_new (NULL);
  g_string_printf (http->request, "%s %s HTTP/1.1\r\nHost: wg-test\r\n", method, path);
  if (body_length > 0)
    g_string_append_printf (http->request, "Content-Length: %" G_GUINT64_FORMAT "\r\n",
                            body_length);
  g_string_append (http->request, "\r\n");
  http->body_length = body_length;
  http->head = g_string_new (NULL);
  http->body = g_string_new (NULL);
  http->received_sum = g_checksum_new (G_CHECKSUM_SHA256);
  http->started = g_get_monotonic_time ();

  out_source = g_pollable_output_stream_create_source (http->out, NULL);
  g_source_set_callback (out_source, G_SOURCE_FUNC (http_write_cb), http, NULL);
  g_source_attach (out_source, NULL);
  in_source = g_pollable_input_stream_create_source (http->in, NULL);
  g_source_set_callback (in_source, G_SOURCE_FUNC (http_read_cb), http, NULL);
  g_source_attach (in_source, NULL);

  wait_for_flag (&http->done, path);
  g_source_destroy (out_source);
  g_source_unref (out_source);
  g_source_destroy (in_source);
  g_source_unref (in_source);

  g_assert_no_error (http->error);
  g_assert_true (g_str_has_prefix (http->head->str, "HTTP/1."));
  g_assert_nonnull (strstr (http->head->str, " 200 "));
  g_assert_cmpuint (http->received, ==, http->content_length);
  return http;
}

static void
http_free (Http *http)
{
  g_object_unref (http->stream);
  g_string_free (http->request, TRUE);
  g_string_free (http->head, TRUE);
  g_string_free (http->body, TRUE);
  g_checksum_free (http->received_sum);
  g_clear_error (&http->error);
  g_free (http);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Http, http_free)

/* Tests ------------------------------------------------------------------------------ */

static void
test_http_literal (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(SySession) session = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Http) hello = NULL;
  g_autoptr(Http) download = NULL;
  g_autoptr(Http) upload = NULL;
  g_autofree char *expected_download = NULL;
  g_autofree char *expected_upload = NULL;
  g_autofree char *expected_hello = NULL;
  g_autofree char *upload_answer = NULL;
  g_autofree char *path = NULL;
  g_autofree char *bound = NULL;

  if (fixture->server == NULL)
    return;

  session = sy_session_new (SY_NETWORK_TCP, "test", NULL);
  stream = dial (fixture, session, sy_test_wg_server_get_tunnel_address (fixture->server),
                 sy_test_wg_server_get_http_port (fixture->server), &error);
  g_assert_no_error (error);
  g_assert_true (SY_IS_NETSTACK_TCP_STREAM (stream));

  /* The session learns the tunnel-side address it left from. */
  g_assert_nonnull (session->bound_address);
  bound = g_inet_address_to_string (
    g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (session->bound_address)));
  g_assert_cmpstr (bound, ==, sy_test_wg_server_get_client_address (fixture->server));

  hello = http_exchange (stream, "GET", "/", 0);
  expected_hello = g_strdup_printf ("hello from wg-server-0\n");
  g_assert_cmpstr (hello->body->str, ==, expected_hello);

  /* a keep-alive connection: the same stream, 64 MiB down */
  path = g_strdup_printf ("/bytes/%d", DOWNLOAD_SIZE);
  expected_download = sy_test_wg_bytes_sha256 (DOWNLOAD_SIZE);
  download = http_exchange (stream, "GET", path, 0);
  g_assert_cmpuint (download->received, ==, DOWNLOAD_SIZE);
  g_assert_cmpstr (g_checksum_get_string (download->received_sum), ==, expected_download);

  /* and 16 MiB up */
  expected_upload = pattern_sha256 (UPLOAD_SIZE);
  upload = http_exchange (stream, "POST", "/upload", UPLOAD_SIZE);
  upload_answer = g_strdup_printf ("%s %d\n", expected_upload, UPLOAD_SIZE);
  g_assert_cmpstr (upload->body->str, ==, upload_answer);

  g_test_message ("through WireGuard (wireguard-go peer): download %.1f MB/s, "
                  "upload %.1f MB/s",
                  megabytes_per_second (DOWNLOAD_SIZE, download->first_byte, download->finished),
                  megabytes_per_second (UPLOAD_SIZE, upload->started, upload->finished));

  g_io_stream_close (stream, NULL, NULL);
}

static void
test_http_ipv6 (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Http) http = NULL;
  g_autofree char *bracketed = NULL;

  if (fixture->server == NULL)
    return;

  /* a literal as SOCKS5 clients hand it over, brackets and all */
  bracketed = g_strdup_printf ("[%s]", sy_test_wg_server_get_tunnel_address6 (fixture->server));
  stream = dial (fixture, NULL, bracketed, sy_test_wg_server_get_http_port (fixture->server),
                 &error);
  g_assert_no_error (error);

  http = http_exchange (stream, "GET", "/bytes/1000000", 0);
  {
    g_autofree char *expected = sy_test_wg_bytes_sha256 (1000000);

    g_assert_cmpstr (g_checksum_get_string (http->received_sum), ==, expected);
  }
}

static void
test_http_by_name (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(SySession) session = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Http) http = NULL;
  g_autofree char *remote = NULL;
  GInetSocketAddress *address;

  if (fixture->server == NULL)
    return;

  /* resolved by the DNS server behind the tunnel (DNS = 10.77.0.1) */
  session = sy_session_new (SY_NETWORK_TCP, "test", NULL);
  stream = dial (fixture, session, "web.wg.test",
                 sy_test_wg_server_get_http_port (fixture->server), &error);
  g_assert_no_error (error);

  /* IPv6 first (RFC 8305), and the AAAA answer is fd77::1 */
  address = sy_netstack_tcp_stream_get_remote_address (SY_NETSTACK_TCP_STREAM (stream));
  remote = g_inet_address_to_string (g_inet_socket_address_get_address (address));
  g_assert_cmpstr (remote, ==, sy_test_wg_server_get_tunnel_address6 (fixture->server));

  http = http_exchange (stream, "GET", "/", 0);
  g_assert_cmpstr (http->body->str, ==, "hello from wg-server-0\n");
  g_io_stream_close (stream, NULL, NULL);
  g_clear_object (&stream);
  g_clear_pointer (&http, http_free);

  /* an IPv4-only name */
  stream = dial (fixture, NULL, "ipv4.wg.test",
                 sy_test_wg_server_get_http_port (fixture->server), &error);
  g_assert_no_error (error);
  address = sy_netstack_tcp_stream_get_remote_address (SY_NETSTACK_TCP_STREAM (stream));
  g_free (remote);
  remote = g_inet_address_to_string (g_inet_socket_address_get_address (address));
  g_assert_cmpstr (remote, ==, sy_test_wg_server_get_tunnel_address (fixture->server));
  g_io_stream_close (stream, NULL, NULL);
  g_clear_object (&stream);

  /* a name that does not exist */
  stream = dial (fixture, NULL, "nope.wg.test", 80, &error);
  g_assert_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND);
  g_assert_null (stream);
}

static void
test_errors (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture->server == NULL)
    return;

  /* nothing listens on port 1 behind the tunnel: the kernel there resets */
  stream = dial (fixture, NULL, sy_test_wg_server_get_tunnel_address (fixture->server), 1,
                 &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_null (stream);
  g_clear_error (&error);

  /* outside the peer's AllowedIPs: no route into the tunnel */
  stream = dial (fixture, NULL, "192.0.2.1", 80, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE);
  g_assert_null (stream);
}

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

static void
test_ping (Fixture       *fixture,
           gconstpointer  data)
{
  const char *targets[2];

  if (fixture->server == NULL)
    return;

  targets[0] = sy_test_wg_server_get_tunnel_address (fixture->server);
  targets[1] = sy_test_wg_server_get_tunnel_address6 (fixture->server);

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (targets[i]);
      PingResult result = { 0 };

      sy_netstack_ping_async (sy_wireguard_outbound_get_netstack (fixture->outbound), address,
                              5000, NULL, ping_cb, &result);
      wait_for_flag (&result.done, "ping");
      g_assert_no_error (result.error);
      g_assert_cmpint (result.rtt, >, 0);
      g_test_message ("ping %s through WireGuard: %" G_GINT64_FORMAT " µs", targets[i],
                      result.rtt);
    }
}

static void
test_stop_aborts (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  GPollableInputStream *in;
  guint8 byte;

  if (fixture->server == NULL)
    return;

  stream = dial (fixture, NULL, sy_test_wg_server_get_tunnel_address (fixture->server),
                 sy_test_wg_server_get_http_port (fixture->server), &error);
  g_assert_no_error (error);

  /* stopping the tunnel ends its connections at once */
  sy_wireguard_outbound_stop (fixture->outbound);
  in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));
  g_assert_true (g_pollable_input_stream_is_readable (in));
  g_assert_cmpint (g_pollable_input_stream_read_nonblocking (in, &byte, 1, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_clear_error (&error);

  /* and a dial starts it again */
  g_clear_object (&stream);
  stream = dial (fixture, NULL, sy_test_wg_server_get_tunnel_address (fixture->server),
                 sy_test_wg_server_get_http_port (fixture->server), &error);
  g_assert_no_error (error);
  {
    g_autoptr(Http) http = http_exchange (stream, "GET", "/", 0);

    g_assert_cmpstr (http->body->str, ==, "hello from wg-server-0\n");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *reason = NULL;

  /* before anything can start a thread */
  sy_test_wg_isolate (&reason);

  g_test_init (&argc, &argv, NULL);
  pattern_init ();

#define ADD(path, func) \
  g_test_add ("/wireguard/outbound/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("http-literal", test_http_literal);
  ADD ("http-ipv6", test_http_ipv6);
  ADD ("http-by-name", test_http_by_name);
  ADD ("errors", test_errors);
  ADD ("ping", test_ping);
  ADD ("stop-aborts", test_stop_aborts);

#undef ADD

  return g_test_run ();
}
