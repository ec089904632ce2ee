/* test-socks5-outbound.c — SOCKS5 client against microsocks, danted and a fake
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "outbound/sy-direct-outbound.h"
#include "outbound/sy-upstream-outbound.h"
#include "util/sy-error.h"

#include "outbound-test-util.h"

/* ---- Real peers ---------------------------------------------------------- */

static SyOutbound *
new_socks5 (SyTestPeer *peer,
            const char *username,
            const char *password)
{
  g_autoptr(SyOutbound) direct = sy_direct_outbound_new ("direct");

  return sy_socks5_outbound_new ("up", direct, sy_test_peer_get_host (peer),
                                 sy_test_peer_get_port (peer), username, password);
}

static void
assert_tunnel_works (SyOutbound *socks5,
                     const char *host,
                     guint16     port)
{
  g_autoptr(SySession) session = sy_session_new (SY_NETWORK_TCP, "test", NULL);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  stream = dial_sync (socks5, session, host, port, NULL, &error);
  g_assert_no_error (error);
  /* The transport's own kernel socket, so that the relay can splice. */
  g_assert_true (G_IS_SOCKET_CONNECTION (stream));
  assert_echo (stream, "through the upstream");

  /* BND.ADDR: the address the upstream connected from. */
  if (session->bound_address != NULL)
    {
      g_autofree char *ip = inet_socket_address_to_ip (session->bound_address);

      g_test_message ("%s:%u bound %s", host, port, ip);
      g_assert_true (g_inet_address_get_is_loopback (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (session->bound_address))));
    }
}

static void
test_microsocks_no_auth (void)
{
  g_autoptr(SyTestPeer) peer = NULL;
  g_autoptr(SyTestServer) echo = NULL;
  g_autoptr(SyOutbound) socks5 = NULL;
  g_autoptr(GError) error = NULL;

  peer = sy_test_peer_start_microsocks (NULL, NULL, &error);
  g_assert_no_error (error);
  echo = sy_test_echo_server_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);

  socks5 = new_socks5 (peer, NULL, NULL);
  g_assert_cmpstr (sy_outbound_get_kind (socks5), ==, "socks5");
  assert_tunnel_works (socks5, "127.0.0.1", sy_test_server_get_port (echo));
  assert_tunnel_works (socks5, "localhost", sy_test_server_get_port (echo));
}

static void
test_microsocks_auth (void)
{
  g_autoptr(SyTestPeer) peer = NULL;
  g_autoptr(SyTestServer) echo = NULL;
  g_autoptr(GError) error = NULL;

  peer = sy_test_peer_start_microsocks ("alice", "s3cret", &error);
  g_assert_no_error (error);
  echo = sy_test_echo_server_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);

  {
    g_autoptr(SyOutbound) socks5 = new_socks5 (peer, "alice", "s3cret");

    assert_tunnel_works (socks5, "127.0.0.1", sy_test_server_get_port (echo));
    assert_tunnel_works (socks5, "localhost", sy_test_server_get_port (echo));
  }

  {
    g_autoptr(SyOutbound) socks5 = new_socks5 (peer, "alice", "wrong");
    g_autoptr(GIOStream) stream = NULL;

    stream = dial_sync (socks5, NULL, "127.0.0.1", sy_test_server_get_port (echo), NULL, &error);
    g_assert_error (error, SY_ERROR, SY_ERROR_AUTH_FAILED);
    g_assert_cmpstr (error->message, ==, "upstream up refused the username/password");
    g_assert_null (stream);
    g_clear_error (&error);
  }

  {
    g_autoptr(SyOutbound) socks5 = new_socks5 (peer, NULL, NULL);
    g_autoptr(GIOStream) stream = NULL;

    stream = dial_sync (socks5, NULL, "127.0.0.1", sy_test_server_get_port (echo), NULL, &error);
    g_assert_error (error, SY_ERROR, SY_ERROR_AUTH_FAILED);
    g_assert_null (stream);
    g_test_message ("%s", error->message);
  }
}

static void
test_microsocks_refused (void)
{
  g_autoptr(SyTestPeer) peer = NULL;
  g_autoptr(SyOutbound) socks5 = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  peer = sy_test_peer_start_microsocks (NULL, NULL, &error);
  g_assert_no_error (error);
  socks5 = new_socks5 (peer, NULL, NULL);

  stream = dial_sync (socks5, NULL, "127.0.0.1", sy_test_find_free_port ("127.0.0.1"),
                      NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_null (stream);
  g_test_message ("%s", error->message);
}

static void
test_danted (void)
{
  g_autoptr(SyTestPeer) peer = NULL;
  g_autoptr(SyTestServer) echo = NULL;
  g_autoptr(SyTestServer) echo6 = NULL;
  g_autoptr(SyOutbound) socks5 = NULL;
  g_autoptr(GError) error = NULL;

  peer = sy_test_peer_start_danted (&error);
  g_assert_no_error (error);
  echo = sy_test_echo_server_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);
  echo6 = sy_test_echo_server_new ("::1", 0, &error);
  g_assert_no_error (error);

  socks5 = new_socks5 (peer, NULL, NULL);
  assert_tunnel_works (socks5, "127.0.0.1", sy_test_server_get_port (echo));
  assert_tunnel_works (socks5, "localhost", sy_test_server_get_port (echo));
  assert_tunnel_works (socks5, "::1", sy_test_server_get_port (echo6));

  /* A refused destination keeps its meaning through the upstream. */
  {
    g_autoptr(GIOStream) stream = NULL;

    stream = dial_sync (socks5, NULL, "127.0.0.1", sy_test_find_free_port ("127.0.0.1"),
                        NULL, &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
    g_assert_null (stream);
  }
}

static void
test_server_unreachable (void)
{
  g_autoptr(SyOutbound) direct = sy_direct_outbound_new ("direct");
  g_autoptr(SyOutbound) socks5 = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  socks5 = sy_socks5_outbound_new ("up", direct, "127.0.0.1", sy_test_find_free_port ("127.0.0.1"),
                                   NULL, NULL);
  stream = dial_sync (socks5, NULL, "example.com", 443, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_nonnull (strstr (error->message, "upstream up"));
  g_assert_null (stream);
}

/* ---- A fake server that records what it is sent ------------------------ */

typedef struct
{
  gboolean     require_auth;
  guint8       auth_status;
  GBytes      *reply;      /* sent in one write after the request, tail included */
  gboolean     silent;     /* never answer the greeting */
  GAsyncQueue *requests;   /* GBytes: the CONNECT request as received */
  GAsyncQueue *auths;      /* GBytes: the RFC 1929 request as received */
  GAsyncQueue *closed;     /* one item per connection the client closed */
} FakeSocks;

static gboolean
read_n (GInputStream *input,
        guint8       *buf,
        gsize         n,
        GCancellable *cancellable)
{
  gsize got = 0;

  return g_input_stream_read_all (input, buf, n, &got, cancellable, NULL) && got == n;
}

static void
wait_for_close (GInputStream *input,
                GCancellable *cancellable,
                FakeSocks    *fake)
{
  guint8 byte;

  while (g_input_stream_read (input, &byte, 1, cancellable, NULL) > 0)
    ;
  if (!g_cancellable_is_cancelled (cancellable))
    g_async_queue_push (fake->closed, GUINT_TO_POINTER (1));
}

static void
fake_socks_handler (GSocketConnection *connection,
                    GCancellable      *cancellable,
                    gpointer           user_data)
{
  FakeSocks *fake = user_data;
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  guint8 buf[600];
  gsize len;

  if (!read_n (input, buf, 2, cancellable) || !read_n (input, buf + 2, buf[1], cancellable))
    return;

  if (fake->silent)
    {
      wait_for_close (input, cancellable, fake);
      return;
    }

  if (fake->require_auth)
    {
      guint8 answer[2] = { 0x05, 0x02 };
      guint8 status[2] = { 0x01, fake->auth_status };

      g_output_stream_write_all (output, answer, 2, NULL, cancellable, NULL);
      /* VER ULEN UNAME PLEN PASSWD */
      if (!read_n (input, buf, 2, cancellable) ||
          !read_n (input, buf + 2, buf[1] + 1, cancellable) ||
          !read_n (input, buf + 3 + buf[1], buf[2 + buf[1]], cancellable))
        return;
      g_async_queue_push (fake->auths, g_bytes_new (buf, 3 + buf[1] + buf[2 + buf[1]]));
      g_output_stream_write_all (output, status, 2, NULL, cancellable, NULL);
      if (fake->auth_status != 0)
        {
          wait_for_close (input, cancellable, fake);
          return;
        }
    }
  else
    {
      guint8 answer[2] = { 0x05, 0x00 };

      g_output_stream_write_all (output, answer, 2, NULL, cancellable, NULL);
    }

  /* VER CMD RSV ATYP, then the address by type, then the port. */
  if (!read_n (input, buf, 4, cancellable))
    return;
  switch (buf[3])
    {
    case 0x01:
      len = 4 + 4 + 2;
      break;
    case 0x04:
      len = 4 + 16 + 2;
      break;
    case 0x03:
      if (!read_n (input, buf + 4, 1, cancellable))
        return;
      len = 5 + buf[4] + 2;
      break;
    default:
      return;
    }
  if (!read_n (input, buf + (buf[3] == 0x03 ? 5 : 4), len - (buf[3] == 0x03 ? 5 : 4), cancellable))
    return;
  g_async_queue_push (fake->requests, g_bytes_new (buf, len));

  g_output_stream_write_all (output, g_bytes_get_data (fake->reply, NULL),
                             g_bytes_get_size (fake->reply), NULL, cancellable, NULL);
  wait_for_close (input, cancellable, fake);
}

static FakeSocks *
fake_socks_new (const guint8 *reply,
                gsize         reply_len)
{
  FakeSocks *fake = g_new0 (FakeSocks, 1);

  fake->reply = g_bytes_new (reply, reply_len);
  fake->requests = g_async_queue_new_full ((GDestroyNotify) g_bytes_unref);
  fake->auths = g_async_queue_new_full ((GDestroyNotify) g_bytes_unref);
  fake->closed = g_async_queue_new ();
  return fake;
}

static void
fake_socks_free (FakeSocks *fake)
{
  g_bytes_unref (fake->reply);
  g_async_queue_unref (fake->requests);
  g_async_queue_unref (fake->auths);
  g_async_queue_unref (fake->closed);
  g_free (fake);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeSocks, fake_socks_free)

static SyOutbound *
new_socks5_to_fake (SyTestServer *server,
                    const char   *username,
                    const char   *password)
{
  g_autoptr(SyOutbound) direct = sy_direct_outbound_new ("direct");

  return sy_socks5_outbound_new ("fake", direct, "127.0.0.1",
                                 sy_test_server_get_port (server), username, password);
}

static void
assert_bytes (GBytes       *bytes,
              const guint8 *expected,
              gsize         expected_len)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  g_assert_cmpmem (data, len, expected, expected_len);
}

static GBytes *
pop_recorded (GAsyncQueue *queue)
{
  GBytes *bytes = g_async_queue_timeout_pop (queue, 10 * G_USEC_PER_SEC);

  g_assert_nonnull (bytes);
  return bytes;
}

/* Success reply with BND 127.0.0.1:4660, then at once, in the same write,
 * the first bytes of the tunnelled stream. */
static const guint8 reply_ok_v4_tail[] = {
  0x05, 0x00, 0x00, 0x01, 127, 0, 0, 1, 0x12, 0x34,
  'H', 'E', 'L', 'L', 'O',
};

static void
test_fake_domain_unresolved (void)
{
  g_autoptr(FakeSocks) fake = fake_socks_new (reply_ok_v4_tail, sizeof reply_ok_v4_tail);
  g_autoptr(SyTestServer) server = NULL;
  g_autoptr(SyOutbound) socks5 = NULL;
  g_autoptr(SySession) session = sy_session_new (SY_NETWORK_TCP, "test", NULL);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tail = NULL;
  g_autofree char *bound_ip = NULL;
  static const guint8 expected[] = {
    0x05, 0x01, 0x00, 0x03, 9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0x01, 0xbb,
  };

  server = sy_test_server_new ("127.0.0.1", 0, fake_socks_handler, fake, &error);
  g_assert_no_error (error);
  socks5 = new_socks5_to_fake (server, NULL, NULL);

  stream = dial_sync (socks5, session, "localhost", 443, NULL, &error);
  g_assert_no_error (error);

  /* ATYP 3: the name went to the upstream as a name. */
  request = pop_recorded (fake->requests);
  assert_bytes (request, expected, sizeof expected);

  /* Nothing past the reply was consumed. */
  tail = read_exactly (stream, 5);
  g_assert_cmpstr (tail, ==, "HELLO");

  g_assert_nonnull (session->bound_address);
  bound_ip = inet_socket_address_to_ip (session->bound_address);
  g_assert_cmpstr (bound_ip, ==, "127.0.0.1");
  g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (session->bound_address)),
                    ==, 0x1234);
}

static void
test_fake_literals (void)
{
  g_autoptr(FakeSocks) fake = fake_socks_new (reply_ok_v4_tail, sizeof reply_ok_v4_tail);
  g_autoptr(SyTestServer) server = NULL;
  g_autoptr(SyOutbound) socks5 = NULL;
  g_autoptr(GError) error = NULL;
  static const guint8 expected_v4[] = { 0x05, 0x01, 0x00, 0x01, 192, 0, 2, 7, 0x00, 0x50 };
  static const guint8 expected_v6[] = {
    0x05, 0x01, 0x00, 0x04,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x09,
    0x1f, 0x90,
  };

  server = sy_test_server_new ("127.0.0.1", 0, fake_socks_handler, fake, &error);
  g_assert_no_error (error);
  socks5 = new_socks5_to_fake (server, NULL, NULL);

  {
    g_autoptr(GIOStream) stream = dial_sync (socks5, NULL, "192.0.2.7", 80, NULL, &error);
    g_autoptr(GBytes) request = NULL;

    g_assert_no_error (error);
    request = pop_recorded (fake->requests);
    assert_bytes (request, expected_v4, sizeof expected_v4);
  }

  {
    g_autoptr(GIOStream) stream = dial_sync (socks5, NULL, "[2001:db8::9]", 8080, NULL, &error);
    g_autoptr(GBytes) request = NULL;

    g_assert_no_error (error);
    request = pop_recorded (fake->requests);
    assert_bytes (request, expected_v6, sizeof expected_v6);
  }
}

/* BND given as a domain and as IPv6: read exactly, IPv6 recorded. */
static void
test_fake_reply_address_types (void)
{
  static const guint8 reply_domain[] = {
    0x05, 0x00, 0x00, 0x03, 4, 'h', 'o', 's', 't', 0x00, 0x50, 'D', 'A', 'T', 'A',
  };
  static const guint8 reply_v6[] = {
    0x05, 0x00, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0x51,
    'D', 'A', 'T', 'A',
  };
  struct { const guint8 *reply; gsize len; const char *bound; } cases[] = {
    { reply_domain, sizeof reply_domain, NULL },
    { reply_v6, sizeof reply_v6, "::1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(FakeSocks) fake = fake_socks_new (cases[i].reply, cases[i].len);
      g_autoptr(SyTestServer) server = NULL;
      g_autoptr(SyOutbound) socks5 = NULL;
      g_autoptr(SySession) session = sy_session_new (SY_NETWORK_TCP, "test", NULL);
      g_autoptr(GIOStream) stream = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *tail = NULL;

      server = sy_test_server_new ("127.0.0.1", 0, fake_socks_handler, fake, &error);
      g_assert_no_error (error);
      socks5 = new_socks5_to_fake (server, NULL, NULL);

      stream = dial_sync (socks5, session, "example.org", 80, NULL, &error);
      g_assert_no_error (error);
      tail = read_exactly (stream, 4);
      g_assert_cmpstr (tail, ==, "DATA");

      if (cases[i].bound == NULL)
        g_assert_null (session->bound_address);
      else
        {
          g_autofree char *ip = inet_socket_address_to_ip (session->bound_address);

          g_assert_cmpstr (ip, ==, cases[i].bound);
        }
    }
}

static void
test_fake_auth_bytes (void)
{
  g_autoptr(FakeSocks) fake = fake_socks_new (reply_ok_v4_tail, sizeof reply_ok_v4_tail);
  g_autoptr(SyTestServer) server = NULL;
  g_autoptr(SyOutbound) socks5 = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GBytes) auth = NULL;
  g_autoptr(GError) error = NULL;
  static const guint8 expected[] = { 0x01, 3, 'b', 'o', 'b', 4, 'p', 'a', 's', 's' };

  fake->require_auth = TRUE;
  server = sy_test_server_new ("127.0.0.1", 0, fake_socks_handler, fake, &error);
  g_assert_no_error (error);
  socks5 = new_socks5_to_fake (server, "bob", "pass");

  stream = dial_sync (socks5, NULL, "example.org", 80, NULL, &error);
  g_assert_no_error (error);
  auth = pop_recorded (fake->auths);
  assert_bytes (auth, expected, sizeof expected);
}

static void
test_fake_failure_replies (void)
{
  struct { guint8 rep; gint code; } cases[] = {
    { 0x05, G_IO_ERROR_CONNECTION_REFUSED },
    { 0x04, G_IO_ERROR_HOST_UNREACHABLE },
    { 0x03, G_IO_ERROR_NETWORK_UNREACHABLE },
    { 0x06, G_IO_ERROR_TIMED_OUT },
    { 0x02, G_IO_ERROR_PERMISSION_DENIED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint8 reply[] = { 0x05, cases[i].rep, 0x00, 0x01, 0, 0, 0, 0, 0, 0 };
      g_autoptr(FakeSocks) fake = fake_socks_new (reply, sizeof reply);
      g_autoptr(SyTestServer) server = NULL;
      g_autoptr(SyOutbound) socks5 = NULL;
      g_autoptr(GIOStream) stream = NULL;
      g_autoptr(GError) error = NULL;

      server = sy_test_server_new ("127.0.0.1", 0, fake_socks_handler, fake, &error);
      g_assert_no_error (error);
      socks5 = new_socks5_to_fake (server, NULL, NULL);

      stream = dial_sync (socks5, NULL, "example.org", 80, NULL, &error);
      g_assert_error (error, G_IO_ERROR, cases[i].code);
      g_assert_null (stream);
      g_assert_nonnull (strstr (error->message, "upstream fake"));
      /* The stream to the upstream was closed, not leaked. */
      g_assert_nonnull (g_async_queue_timeout_pop (fake->closed, 10 * G_USEC_PER_SEC));
    }
}

static void
test_fake_protocol_violations (void)
{
  static const guint8 bad_version[] = { 0x04, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0 };
  static const guint8 bad_atyp[] = { 0x05, 0x00, 0x00, 0x07, 0, 0, 0, 0, 0, 0 };
  struct { const guint8 *reply; gsize len; } cases[] = {
    { bad_version, sizeof bad_version },
    { bad_atyp, sizeof bad_atyp },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(FakeSocks) fake = fake_socks_new (cases[i].reply, cases[i].len);
      g_autoptr(SyTestServer) server = NULL;
      g_autoptr(SyOutbound) socks5 = NULL;
      g_autoptr(GIOStream) stream = NULL;
      g_autoptr(GError) error = NULL;

      server = sy_test_server_new ("127.0.0.1", 0, fake_socks_handler, fake, &error);
      g_assert_no_error (error);
      socks5 = new_socks5_to_fake (server, NULL, NULL);

      stream = dial_sync (socks5, NULL, "example.org", 80, NULL, &error);
      g_assert_error (error, SY_ERROR, SY_ERROR_PROTOCOL);
      g_assert_null (stream);
      g_test_message ("%s", error->message);
    }
}

static void
truncating_handler (GSocketConnection *connection,
                    GCancellable      *cancellable,
                    gpointer           user_data)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  static const guint8 method[] = { 0x05, 0x00 };
  static const guint8 partial[] = { 0x05, 0x00, 0x00, 0x01, 127, 0 };
  guint8 buf[64];

  /* Greeting, then whatever request, then half a reply and hang up. */
  if (!read_n (input, buf, 3, cancellable))
    return;
  g_output_stream_write_all (output, method, sizeof method, NULL, cancellable, NULL);
  if (g_input_stream_read (input, buf, sizeof buf, cancellable, NULL) <= 0)
    return;
  g_output_stream_write_all (output, partial, sizeof partial, NULL, cancellable, NULL);
}

static void
test_fake_truncated_reply (void)
{
  g_autoptr(SyTestServer) server = NULL;
  g_autoptr(SyOutbound) socks5 = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  server = sy_test_server_new ("127.0.0.1", 0, truncating_handler, NULL, &error);
  g_assert_no_error (error);
  socks5 = new_socks5_to_fake (server, NULL, NULL);

  stream = dial_sync (socks5, NULL, "example.org", 80, NULL, &error);
  g_assert_error (error, SY_ERROR, SY_ERROR_PROTOCOL);
  g_assert_null (stream);
}

static void
test_fake_cancel_mid_handshake (void)
{
  g_autoptr(FakeSocks) fake = fake_socks_new (reply_ok_v4_tail, sizeof reply_ok_v4_tail);
  g_autoptr(SyTestServer) server = NULL;
  g_autoptr(SyOutbound) socks5 = NULL;
  g_autoptr(GError) error = NULL;

  fake->silent = TRUE;
  server = sy_test_server_new ("127.0.0.1", 0, fake_socks_handler, fake, &error);
  g_assert_no_error (error);
  socks5 = new_socks5_to_fake (server, NULL, NULL);

  assert_dial_cancelled (socks5, "example.org", 80, 100);
  /* The upstream saw its connection closed. */
  g_assert_nonnull (g_async_queue_timeout_pop (fake->closed, 10 * G_USEC_PER_SEC));
}

static void
test_fake_auth_refused (void)
{
  g_autoptr(FakeSocks) fake = fake_socks_new (reply_ok_v4_tail, sizeof reply_ok_v4_tail);
  g_autoptr(SyTestServer) server = NULL;
  g_autoptr(SyOutbound) socks5 = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  fake->require_auth = TRUE;
  fake->auth_status = 0x01;
  server = sy_test_server_new ("127.0.0.1", 0, fake_socks_handler, fake, &error);
  g_assert_no_error (error);
  socks5 = new_socks5_to_fake (server, "bob", "nope");

  stream = dial_sync (socks5, NULL, "example.org", 80, NULL, &error);
  g_assert_error (error, SY_ERROR, SY_ERROR_AUTH_FAILED);
  g_assert_cmpstr (error->message, ==, "upstream fake refused the username/password");
  g_assert_null (stream);
  g_assert_nonnull (g_async_queue_timeout_pop (fake->closed, 10 * G_USEC_PER_SEC));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/interop/outbound/socks5/microsocks", test_microsocks_no_auth);
  g_test_add_func ("/interop/outbound/socks5/microsocks-auth", test_microsocks_auth);
  g_test_add_func ("/interop/outbound/socks5/microsocks-refused", test_microsocks_refused);
  g_test_add_func ("/interop/outbound/socks5/danted", test_danted);
  g_test_add_func ("/core/outbound/socks5/server-unreachable", test_server_unreachable);
  g_test_add_func ("/core/outbound/socks5/domain-unresolved", test_fake_domain_unresolved);
  g_test_add_func ("/core/outbound/socks5/literals", test_fake_literals);
  g_test_add_func ("/core/outbound/socks5/reply-address-types", test_fake_reply_address_types);
  g_test_add_func ("/core/outbound/socks5/auth-bytes", test_fake_auth_bytes);
  g_test_add_func ("/core/outbound/socks5/auth-refused", test_fake_auth_refused);
  g_test_add_func ("/core/outbound/socks5/failure-replies", test_fake_failure_replies);
  g_test_add_func ("/core/outbound/socks5/protocol-violations", test_fake_protocol_violations);
  g_test_add_func ("/core/outbound/socks5/truncated-reply", test_fake_truncated_reply);
  g_test_add_func ("/core/outbound/socks5/cancel-mid-handshake", test_fake_cancel_mid_handshake);

  return g_test_run ();
}
