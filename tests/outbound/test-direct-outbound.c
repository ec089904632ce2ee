/* test-direct-outbound.c — direct (kernel socket) and reject outbounds
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "outbound/sy-direct-outbound.h"
#include "outbound/sy-happy-eyeballs.h"
#include "outbound/sy-upstream-outbound.h"
#include "util/sy-error.h"

#include "outbound-test-util.h"

static SyOutbound *
new_direct (void)
{
  return sy_direct_outbound_new ("direct");
}

static void
assert_bound_to (SySession      *session,
                 GIOStream      *stream,
                 const char     *ip)
{
  g_autoptr(GSocketAddress) local = NULL;
  g_autofree char *bound_ip = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (session->bound_address);
  bound_ip = inet_socket_address_to_ip (session->bound_address);
  g_assert_cmpstr (bound_ip, ==, ip);

  /* The recorded address is the stream's real local address, port too. */
  local = g_socket_connection_get_local_address (G_SOCKET_CONNECTION (stream), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (session->bound_address)),
                    ==, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
}

static void
test_direct_ipv4 (void)
{
  g_autoptr(SyOutbound) direct = new_direct ();
  g_autoptr(SyTestServer) echo = NULL;
  g_autoptr(SySession) session = sy_session_new (SY_NETWORK_TCP, "test", NULL);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket;
  gint nodelay = 0;

  g_assert_cmpstr (sy_outbound_get_kind (direct), ==, "direct");

  echo = sy_test_echo_server_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);

  stream = dial_sync (direct, session, "127.0.0.1", sy_test_server_get_port (echo), NULL, &error);
  g_assert_no_error (error);

  /* A kernel socket, so that the relay can splice. */
  g_assert_true (G_IS_SOCKET_CONNECTION (stream));
  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
  g_socket_get_option (socket, IPPROTO_TCP, TCP_NODELAY, &nodelay, &error);
  g_assert_no_error (error);
  g_assert_cmpint (nodelay, !=, 0);

  assert_echo (stream, "hello over IPv4");
  assert_bound_to (session, stream, "127.0.0.1");
}

static void
test_direct_ipv6 (void)
{
  g_autoptr(SyOutbound) direct = new_direct ();
  g_autoptr(SyTestServer) echo = NULL;
  g_autoptr(GError) error = NULL;
  const char *hosts[] = { "::1", "[::1]" };

  echo = sy_test_echo_server_new ("::1", 0, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      g_autoptr(SySession) session = sy_session_new (SY_NETWORK_TCP, "test", NULL);
      g_autoptr(GIOStream) stream = NULL;

      stream = dial_sync (direct, session, hosts[i], sy_test_server_get_port (echo), NULL, &error);
      g_assert_no_error (error);
      assert_echo (stream, "hello over IPv6");
      assert_bound_to (session, stream, "::1");
    }
}

/* "localhost" resolves to ::1 and 127.0.0.1 (GLib answers it itself, RFC
 * 6761): whichever family alone listens, the race must find it. */
static void
test_direct_localhost_one_family (gconstpointer data)
{
  const char *listen_on = data;
  g_autoptr(SyOutbound) direct = new_direct ();
  g_autoptr(SyTestServer) echo = NULL;
  g_autoptr(SySession) session = sy_session_new (SY_NETWORK_TCP, "test", NULL);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  echo = sy_test_echo_server_new (listen_on, 0, &error);
  g_assert_no_error (error);

  stream = dial_sync (direct, session, "localhost", sy_test_server_get_port (echo), NULL, &error);
  g_assert_no_error (error);
  assert_echo (stream, "hello localhost");
  assert_bound_to (session, stream, listen_on);
}

/* The IPv6 address is a silent black hole: the IPv4 attempt must start after
 * the Connection Attempt Delay and win, without waiting for the IPv6
 * attempt's connect timeout (set far beyond the test's time limit). */
static void
test_direct_happy_eyeballs_fallback (void)
{
  g_autoptr(SyOutbound) direct = new_direct ();
  g_autoptr(SyTestServer) echo = NULL;
  g_autoptr(SyTestBlackhole) blackhole = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port = 0;
  guint sockets_before;

  /* The same port on both families; retry if ::1 has it taken. */
  for (guint i = 0; i < 10 && blackhole == NULL; i++)
    {
      g_clear_pointer (&echo, sy_test_server_free);
      echo = sy_test_echo_server_new ("127.0.0.1", 0, &error);
      g_assert_no_error (error);
      port = sy_test_server_get_port (echo);
      blackhole = sy_test_blackhole_new ("::1", port, NULL);
    }
  g_assert_nonnull (blackhole);

  sy_direct_outbound_set_connect_timeout (SY_DIRECT_OUTBOUND (direct), 600 * 1000);

  /* Warm up whatever GLib opens lazily, then count sockets. */
  {
    g_autoptr(GIOStream) warm = dial_sync (direct, NULL, "127.0.0.1", port, NULL, &error);
    g_assert_no_error (error);
    assert_echo (warm, "warm");
    g_io_stream_close (warm, NULL, NULL);
  }
  drain_main_context ();
  sy_test_server_wait_idle (echo);

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(SySession) session = sy_session_new (SY_NETWORK_TCP, "test", NULL);
      g_autoptr(GIOStream) stream = NULL;
      guint accepted = sy_test_server_get_accepted (echo);

      sockets_before = sy_test_count_open_sockets ();
      stream = dial_sync (direct, session, "localhost", port, NULL, &error);
      g_assert_no_error (error);
      assert_echo (stream, "fell back to IPv4");
      assert_bound_to (session, stream, "127.0.0.1");
      g_assert_cmpuint (sy_test_server_get_accepted (echo), ==, accepted + 1);

      /* The losing IPv6 attempt is closed: only our stream and the echo
       * server's end of it are new. */
      drain_main_context ();
      g_assert_cmpuint (sy_test_count_open_sockets (), ==, sockets_before + 2);
      g_io_stream_close (stream, NULL, NULL);
      sy_test_server_wait_idle (echo);
    }
}

static void
test_direct_refused (void)
{
  g_autoptr(SyOutbound) direct = new_direct ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;
  guint16 port = sy_test_find_free_port ("127.0.0.1");

  stream = dial_sync (direct, NULL, "127.0.0.1", port, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_null (stream);
  g_test_message ("refused: %s", error->message);
  g_clear_error (&error);

  /* Both families refuse: the result is still "refused". */
  stream = dial_sync (direct, NULL, "localhost", port, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_null (stream);
}

/* When one family refuses and the other times out, "refused" is what a
 * person learns most from (the host is there, the port is closed). */
static void
test_direct_most_meaningful_error (void)
{
  g_autoptr(SyOutbound) direct = new_direct ();
  g_autoptr(SyTestBlackhole) blackhole = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;

  blackhole = sy_test_blackhole_new ("::1", 0, &error);
  g_assert_no_error (error);

  /* ::1 times out (black hole), 127.0.0.1 refuses (nothing listens on
   * that port there). */
  sy_direct_outbound_set_connect_timeout (SY_DIRECT_OUTBOUND (direct), 300);
  stream = dial_sync (direct, NULL, "localhost", sy_test_blackhole_get_port (blackhole),
                      NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_null (stream);
  g_clear_error (&error);

  /* A black hole alone gives the timeout. */
  stream = dial_sync (direct, NULL, "::1", sy_test_blackhole_get_port (blackhole), NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (stream);
}

static void
test_direct_cancel (void)
{
  g_autoptr(SyOutbound) direct = new_direct ();
  g_autoptr(SyTestBlackhole) blackhole = NULL;
  g_autoptr(GError) error = NULL;
  guint sockets_before;

  blackhole = sy_test_blackhole_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);

  /* Warm-up so that lazily created sockets do not count. */
  assert_dial_cancelled (direct, "127.0.0.1", sy_test_blackhole_get_port (blackhole), 10);
  drain_main_context ();

  sockets_before = sy_test_count_open_sockets ();
  assert_dial_cancelled (direct, "127.0.0.1", sy_test_blackhole_get_port (blackhole), 50);
  /* Mid-race: ::1 refused at once, the 127.0.0.1 attempt is in flight. */
  assert_dial_cancelled (direct, "localhost", sy_test_blackhole_get_port (blackhole), 300);
  drain_main_context ();
  g_assert_cmpuint (sy_test_count_open_sockets (), ==, sockets_before);

  /* Already cancelled before the dial starts. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GIOStream) stream = NULL;

    g_cancellable_cancel (cancellable);
    stream = dial_sync (direct, NULL, "127.0.0.1", sy_test_blackhole_get_port (blackhole),
                        cancellable, &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_null (stream);
  }
}

static void
test_direct_connect_timeout (void)
{
  g_autoptr(SyOutbound) direct = new_direct ();
  g_autoptr(SyTestBlackhole) blackhole = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;

  blackhole = sy_test_blackhole_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);

  sy_direct_outbound_set_connect_timeout (SY_DIRECT_OUTBOUND (direct), 100);
  stream = dial_sync (direct, NULL, "127.0.0.1", sy_test_blackhole_get_port (blackhole),
                      NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (stream);
  g_test_message ("timeout: %s", error->message);
}

static void
test_direct_bind_address (void)
{
  g_autoptr(SyOutbound) direct = new_direct ();
  g_autoptr(SyTestServer) echo4 = NULL;
  g_autoptr(SyTestServer) echo6 = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  echo4 = sy_test_echo_server_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);
  echo6 = sy_test_echo_server_new ("::1", 0, &error);
  g_assert_no_error (error);

  ok = sy_direct_outbound_set_options (SY_DIRECT_OUTBOUND (direct), "127.0.0.1", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_true (ok);

  {
    g_autoptr(SySession) session = sy_session_new (SY_NETWORK_TCP, "test", NULL);
    g_autoptr(GIOStream) stream = NULL;

    stream = dial_sync (direct, session, "127.0.0.1", sy_test_server_get_port (echo4),
                        NULL, &error);
    g_assert_no_error (error);
    assert_echo (stream, "bound");
    assert_bound_to (session, stream, "127.0.0.1");
  }

  /* "localhost" has an IPv6 address too; an IPv4 bind skips it. */
  {
    g_autoptr(GIOStream) stream = NULL;

    stream = dial_sync (direct, NULL, "localhost", sy_test_server_get_port (echo4), NULL, &error);
    g_assert_no_error (error);
    assert_echo (stream, "bound localhost");
  }

  /* An IPv4 bind address cannot reach an IPv6-only destination. */
  {
    g_autoptr(GIOStream) stream = NULL;

    stream = dial_sync (direct, NULL, "::1", sy_test_server_get_port (echo6), NULL, &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE);
    g_assert_nonnull (strstr (error->message, "127.0.0.1"));
    g_assert_null (stream);
    g_clear_error (&error);
  }

  /* And an IPv6 one works for IPv6. */
  ok = sy_direct_outbound_set_options (SY_DIRECT_OUTBOUND (direct), "::1", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  {
    g_autoptr(SySession) session = sy_session_new (SY_NETWORK_TCP, "test", NULL);
    g_autoptr(GIOStream) stream = NULL;

    stream = dial_sync (direct, session, "::1", sy_test_server_get_port (echo6), NULL, &error);
    g_assert_no_error (error);
    assert_echo (stream, "bound v6");
    assert_bound_to (session, stream, "::1");
  }
}

static void
test_direct_bind_address_invalid (void)
{
  g_autoptr(SyOutbound) direct = new_direct ();
  g_autoptr(SyTestServer) echo = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  /* TEST-NET-1 (RFC 5737) is on no machine. */
  ok = sy_direct_outbound_set_options (SY_DIRECT_OUTBOUND (direct), "192.0.2.1", NULL, 0, &error);
  g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
  g_assert_false (ok);
  g_assert_nonnull (strstr (error->message, "192.0.2.1"));
  g_assert_nonnull (strstr (error->message, "not an address of this machine"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  ok = sy_direct_outbound_set_options (SY_DIRECT_OUTBOUND (direct), "not-an-ip", NULL, 0, &error);
  g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
  g_assert_false (ok);
  g_clear_error (&error);

  ok = sy_direct_outbound_set_options (SY_DIRECT_OUTBOUND (direct), NULL, "sy-no-such-if0", 0,
                                       &error);
  g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "sy-no-such-if0"));
  g_assert_false (ok);
  g_clear_error (&error);

  /* A failed set_options leaves the previous options in force. */
  echo = sy_test_echo_server_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);
  stream = dial_sync (direct, NULL, "127.0.0.1", sy_test_server_get_port (echo), NULL, &error);
  g_assert_no_error (error);
  assert_echo (stream, "unchanged");
}

/* SO_BINDTODEVICE and SO_MARK: root has the capabilities; other users get
 * errors that name the missing capability. */
static void
test_direct_interface_and_mark (void)
{
  g_autoptr(SyOutbound) direct = new_direct ();
  g_autoptr(SyTestServer) echo = NULL;
  g_autoptr(GError) error = NULL;
  gboolean privileged = geteuid () == 0;
  gboolean ok;

  echo = sy_test_echo_server_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);

  ok = sy_direct_outbound_set_options (SY_DIRECT_OUTBOUND (direct), NULL, "lo", 0, &error);
  if (privileged || ok)
    {
      g_autoptr(GIOStream) stream = NULL;

      g_assert_no_error (error);
      g_assert_true (ok);
      stream = dial_sync (direct, NULL, "127.0.0.1", sy_test_server_get_port (echo), NULL, &error);
      g_assert_no_error (error);
      assert_echo (stream, "via lo");
    }
  else
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
      g_assert_nonnull (strstr (error->message, "CAP_NET_RAW"));
      g_clear_error (&error);
    }

  ok = sy_direct_outbound_set_options (SY_DIRECT_OUTBOUND (direct), NULL, NULL, 0x5e, &error);
  if (privileged)
    {
      g_autoptr(GIOStream) stream = NULL;
      gint mark = 0;

      g_assert_no_error (error);
      g_assert_true (ok);
      stream = dial_sync (direct, NULL, "127.0.0.1", sy_test_server_get_port (echo), NULL, &error);
      g_assert_no_error (error);
      g_socket_get_option (g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)),
                           SOL_SOCKET, SO_MARK, &mark, &error);
      g_assert_no_error (error);
      g_assert_cmphex (mark, ==, 0x5e);
      assert_echo (stream, "marked");
    }
  else
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
      g_assert_nonnull (strstr (error->message, "CAP_NET_ADMIN"));
      g_assert_false (ok);
    }
}

static void
test_happy_eyeballs_sort (void)
{
  const char *input[] = {
    "192.0.2.1", "192.0.2.2", "2001:db8::1", "2001:db8::2", "2001:db8::3",
  };
  const char *expected[] = {
    "2001:db8::1", "192.0.2.1", "2001:db8::2", "192.0.2.2", "2001:db8::3",
  };
  g_autolist(GInetAddress) addresses = NULL;
  g_autolist(GInetAddress) sorted = NULL;
  guint i = 0;

  for (guint j = 0; j < G_N_ELEMENTS (input); j++)
    addresses = g_list_append (addresses, g_inet_address_new_from_string (input[j]));

  sorted = sy_happy_eyeballs_sort (addresses);
  g_assert_cmpuint (g_list_length (sorted), ==, G_N_ELEMENTS (expected));
  for (GList *l = sorted; l != NULL; l = l->next, i++)
    {
      g_autofree char *text = g_inet_address_to_string (l->data);

      g_assert_cmpstr (text, ==, expected[i]);
    }
}

static void
test_reject (void)
{
  g_autoptr(SyOutbound) reject = sy_reject_outbound_new ("block");
  g_autoptr(SySession) session = sy_session_new (SY_NETWORK_TCP, "test", NULL);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (sy_outbound_get_kind (reject), ==, "reject");
  stream = dial_sync (reject, session, "example.com", 443, NULL, &error);
  g_assert_error (error, SY_ERROR, SY_ERROR_REJECTED);
  g_assert_cmpstr (error->message, ==, "rejected by outbound block");
  g_assert_null (stream);
  g_assert_null (session->bound_address);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/outbound/direct/ipv4", test_direct_ipv4);
  g_test_add_func ("/core/outbound/direct/ipv6", test_direct_ipv6);
  g_test_add_data_func ("/core/outbound/direct/localhost-ipv4-only", "127.0.0.1",
                        test_direct_localhost_one_family);
  g_test_add_data_func ("/core/outbound/direct/localhost-ipv6-only", "::1",
                        test_direct_localhost_one_family);
  g_test_add_func ("/core/outbound/direct/happy-eyeballs-fallback",
                   test_direct_happy_eyeballs_fallback);
  g_test_add_func ("/core/outbound/direct/refused", test_direct_refused);
  g_test_add_func ("/core/outbound/direct/most-meaningful-error",
                   test_direct_most_meaningful_error);
  g_test_add_func ("/core/outbound/direct/cancel", test_direct_cancel);
  g_test_add_func ("/core/outbound/direct/connect-timeout", test_direct_connect_timeout);
  g_test_add_func ("/core/outbound/direct/bind-address", test_direct_bind_address);
  g_test_add_func ("/core/outbound/direct/bind-address-invalid", test_direct_bind_address_invalid);
  g_test_add_func ("/core/outbound/direct/interface-and-mark", test_direct_interface_and_mark);
  g_test_add_func ("/core/outbound/happy-eyeballs/sort", test_happy_eyeballs_sort);
  g_test_add_func ("/core/outbound/reject", test_reject);

  return g_test_run ();
}
