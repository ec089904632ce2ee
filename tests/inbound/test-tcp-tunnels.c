/* test-tcp-tunnels.c — TCP client and server tunnels against a real echo server
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything on loopback in this process: a dispatcher with the direct
 * outbound, the tunnel under test, and sy-test-peers' threaded echo
 * server as the target. The server tunnel takes its connections from a
 * GSocketService standing in for the netstack, once as kernel sockets (the
 * relay splices) and once wrapped in a plain GIOStream (the buffered path,
 * as a netstack stream takes it).
 */

#include "config.h"

#include "engine/sy-dispatcher.h"
#include "inbound/sy-accept-source.h"
#include "inbound/sy-tcp-client-tunnel.h"
#include "inbound/sy-tcp-server-tunnel.h"
#include "inbound/sy-tunnel-conn.h"
#include "outbound/sy-direct-outbound.h"
#include "relay/sy-relay.h"
#include "util/sy-error.h"

#include "sy-test-peers.h"
#include "tunnel-test-util.h"

#define BIG_TRANSFER (16 * 1024 * 1024)

typedef struct
{
  SyDispatcher *dispatcher;
  SyTestServer *echo;
  guint16       echo_port;
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
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  user_data)
{
  sy_dispatcher_close_all (f->dispatcher);
  wait_sessions_gone (f->dispatcher);
  g_clear_object (&f->dispatcher);
  g_clear_pointer (&f->echo, sy_test_server_free);
  sy_relay_release_cache ();
}

static SyTcpClientTunnel *
start_client_tunnel (Fixture    *f,
                     guint16     target_port,
                     const char *outbound,
                     guint16    *port)
{
  g_autoptr(SyTcpClientTunnel) tunnel = NULL;
  g_autoptr(GError) error = NULL;

  tunnel = sy_tcp_client_tunnel_new (f->dispatcher, "fwd", "127.0.0.1", 0,
                                     "127.0.0.1", target_port, outbound);
  sy_tcp_client_tunnel_start (tunnel, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (
    G_INET_SOCKET_ADDRESS (sy_tcp_client_tunnel_get_local_address (tunnel)));
  g_assert_cmpuint (*port, !=, 0);

  return g_steal_pointer (&tunnel);
}

/* The one session the dispatcher logged after @transfer, checked against it. */
static SySession *
assert_transfer_logged (Fixture     *f,
                        TcpTransfer *transfer,
                        const char  *inbound,
                        const char  *protocol)
{
  g_autoptr(GPtrArray) log = NULL;
  g_autofree char *target = NULL;
  g_autofree char *expected_target = g_strdup_printf ("127.0.0.1:%u", f->echo_port);
  SySession *session;
  GInetSocketAddress *client;

  g_assert_no_error (transfer->error);
  g_assert_cmpuint (transfer->received, ==, transfer->size);
  g_assert_cmpstr (transfer->received_sha256, ==, transfer->sent_sha256);

  wait_sessions_gone (f->dispatcher);
  log = sy_dispatcher_get_connection_log (f->dispatcher);
  g_assert_cmpuint (log->len, ==, 1);
  session = g_ptr_array_index (log, 0);

  g_assert_cmpint (session->network, ==, SY_NETWORK_TCP);
  g_assert_cmpstr (session->inbound, ==, inbound);
  g_assert_cmpstr (session->protocol, ==, protocol);
  g_assert_cmpstr (session->outbound, ==, "direct");
  target = sy_session_dup_target (session);
  g_assert_cmpstr (target, ==, expected_target);
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_CLOSED);
  g_assert_null (session->error);
  g_assert_cmpuint (session->bytes_up, ==, transfer->size);
  g_assert_cmpuint (session->bytes_down, ==, transfer->size);

  /* the session names the real client: its port is the client socket's */
  client = G_INET_SOCKET_ADDRESS (session->client_address);
  g_assert_nonnull (client);
  g_assert_cmpuint (g_inet_socket_address_get_port (client), ==,
                    g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (transfer->local_address)));

  g_assert_cmpuint (sy_dispatcher_get_traffic (f->dispatcher)->bytes_up, ==, transfer->size);
  g_assert_cmpuint (sy_dispatcher_get_traffic (f->dispatcher)->bytes_down, ==, transfer->size);

  return sy_session_ref (session);
}

/* TCP client tunnel ------------------------------------------------------ */

static void
test_client_echo_16mib (Fixture       *f,
                        gconstpointer  user_data)
{
  g_autoptr(SyTcpClientTunnel) tunnel = NULL;
  g_autoptr(SySession) session = NULL;
  TcpTransfer transfer = { 0, };
  guint16 port;
  gint64 start;

  tunnel = start_client_tunnel (f, f->echo_port, "direct", &port);

  start = g_get_monotonic_time ();
  tcp_transfer_run (&transfer, port, BIG_TRANSFER);
  g_test_message ("16 MiB each way through the TCP client tunnel in %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);

  session = assert_transfer_logged (f, &transfer, "fwd", SY_TUNNEL_PROTOCOL_TCP_CLIENT);
  g_assert_cmpuint (sy_test_server_get_accepted (f->echo), ==, 1);

  tcp_transfer_clear (&transfer);
}

static void
test_client_close_session (Fixture       *f,
                           gconstpointer  user_data)
{
  g_autoptr(SyTcpClientTunnel) tunnel = NULL;
  g_autoptr(GSocket) client = NULL;
  g_autoptr(SySession) live = NULL;
  g_autoptr(SySession) logged = NULL;
  guint8 buffer[16];
  guint16 port;

  tunnel = start_client_tunnel (f, f->echo_port, "direct", &port);

  client = tcp_client_connect (port);
  g_assert_cmpint (g_socket_send (client, "ping", 4, NULL, NULL), ==, 4);
  g_assert_cmpint (tcp_client_receive (client, buffer, 4), ==, 4);
  g_assert_cmpmem (buffer, 4, "ping", 4);

  /* listed while it runs, with what it moved so far */
  live = the_live_session (f->dispatcher);
  g_assert_nonnull (live);
  g_assert_cmpint (live->state, ==, SY_SESSION_STATE_ESTABLISHED);
  g_assert_cmpuint (live->bytes_up, ==, 4);
  g_assert_cmpuint (live->bytes_down, ==, 4);

  g_assert_true (sy_dispatcher_close_session (f->dispatcher, live->id));
  /* the client sees the end: EOF (or a reset) */
  g_assert_cmpint (tcp_client_receive (client, buffer, sizeof buffer), <=, 0);

  wait_sessions_gone (f->dispatcher);
  logged = find_logged_session (f->dispatcher, live->id);
  g_assert_nonnull (logged);
  g_assert_cmpint (logged->state, ==, SY_SESSION_STATE_CLOSED);
  g_assert_cmpstr (logged->error, ==, "closed on request");

  /* the tunnel keeps accepting */
  g_clear_object (&client);
  client = tcp_client_connect (port);
  g_assert_cmpint (g_socket_send (client, "again", 5, NULL, NULL), ==, 5);
  g_assert_cmpint (tcp_client_receive (client, buffer, 5), ==, 5);
  g_assert_cmpmem (buffer, 5, "again", 5);
}

static void
test_client_refused (Fixture       *f,
                     gconstpointer  user_data)
{
  g_autoptr(SyTcpClientTunnel) tunnel = NULL;
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GPtrArray) log = NULL;
  SySession *session;
  guint8 buffer[16];
  guint16 port;
  guint16 closed_port = sy_test_find_free_port ("127.0.0.1");

  tunnel = start_client_tunnel (f, closed_port, "direct", &port);

  client = tcp_client_connect (port);
  g_assert_cmpint (tcp_client_receive (client, buffer, sizeof buffer), <=, 0);

  wait_sessions_gone (f->dispatcher);
  log = sy_dispatcher_get_connection_log (f->dispatcher);
  g_assert_cmpuint (log->len, ==, 1);
  session = g_ptr_array_index (log, 0);
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_FAILED);
  g_assert_nonnull (session->error);
  g_assert_cmpuint (sy_dispatcher_get_traffic (f->dispatcher)->sessions_failed, ==, 1);
}

static void
test_client_unknown_outbound (Fixture       *f,
                              gconstpointer  user_data)
{
  g_autoptr(SyTcpClientTunnel) tunnel = NULL;
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GPtrArray) log = NULL;
  SySession *session;
  guint8 buffer[16];
  guint16 port;

  tunnel = start_client_tunnel (f, f->echo_port, "wg:missing", &port);

  client = tcp_client_connect (port);
  g_assert_cmpint (tcp_client_receive (client, buffer, sizeof buffer), <=, 0);

  wait_sessions_gone (f->dispatcher);
  log = sy_dispatcher_get_connection_log (f->dispatcher);
  g_assert_cmpuint (log->len, ==, 1);
  session = g_ptr_array_index (log, 0);
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_FAILED);
  g_assert_nonnull (strstr (session->error, "wg:missing"));
  g_assert_cmpuint (sy_test_server_get_accepted (f->echo), ==, 0);
}

static void
test_client_address_in_use (Fixture       *f,
                            gconstpointer  user_data)
{
  g_autoptr(SyTcpClientTunnel) first = NULL;
  g_autoptr(SyTcpClientTunnel) second = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  first = start_client_tunnel (f, f->echo_port, "direct", &port);
  second = sy_tcp_client_tunnel_new (f->dispatcher, "fwd2", "127.0.0.1", port,
                                     "127.0.0.1", f->echo_port, NULL);
  g_assert_false (sy_tcp_client_tunnel_start (second, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_ADDRESS_IN_USE);
  g_assert_null (sy_tcp_client_tunnel_get_local_address (second));

  /* stopping frees the port */
  sy_tcp_client_tunnel_stop (first);
  g_clear_error (&error);
  g_assert_true (sy_tcp_client_tunnel_start (second, &error));
  g_assert_no_error (error);
}

static void
test_client_bind_every_address (Fixture       *f,
                                gconstpointer  user_data)
{
  g_autoptr(SyTcpClientTunnel) tunnel = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SySession) session = NULL;
  TcpTransfer transfer = { 0, };
  GInetSocketAddress *local;
  guint16 port;

  /* wireproxy's BindAddress = :PORT */
  tunnel = sy_tcp_client_tunnel_new (f->dispatcher, "fwd", "", 0,
                                     "127.0.0.1", f->echo_port, "direct");
  g_assert_true (sy_tcp_client_tunnel_start (tunnel, &error));
  g_assert_no_error (error);
  local = G_INET_SOCKET_ADDRESS (sy_tcp_client_tunnel_get_local_address (tunnel));
  g_assert_true (g_inet_address_get_is_any (g_inet_socket_address_get_address (local)));
  port = g_inet_socket_address_get_port (local);

  tcp_transfer_run (&transfer, port, 64 * 1024);
  session = assert_transfer_logged (f, &transfer, "fwd", SY_TUNNEL_PROTOCOL_TCP_CLIENT);
  tcp_transfer_clear (&transfer);
}

/* TCP server tunnel ------------------------------------------------------ */

static GSocketService *
bind_service (guint16 *port)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));

  return g_steal_pointer (&service);
}

static void
test_server_service (Fixture       *f,
                     gconstpointer  user_data)
{
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(SyTcpServerTunnel) tunnel = NULL;
  g_autoptr(SySession) session = NULL;
  g_autoptr(GError) error = NULL;
  TcpTransfer transfer = { 0, };
  guint16 port;

  service = bind_service (&port);
  tunnel = sy_tcp_server_tunnel_new (f->dispatcher, "server", sy_accept_source_new_service (service),
                                     "127.0.0.1", f->echo_port, NULL);
  g_assert_true (sy_tcp_server_tunnel_start (tunnel, &error));
  g_assert_no_error (error);

  tcp_transfer_run (&transfer, port, BIG_TRANSFER);
  session = assert_transfer_logged (f, &transfer, "server", SY_TUNNEL_PROTOCOL_TCP_SERVER);
  tcp_transfer_clear (&transfer);

  /* stop and start again: still serving (after GSocketService has
   * processed the stop, see sy_accept_source_new_service()) */
  sy_tcp_server_tunnel_stop (tunnel);
  iterate_for (20);
  g_assert_true (sy_tcp_server_tunnel_start (tunnel, &error));
  g_assert_no_error (error);
  tcp_transfer_run (&transfer, port, 4096);
  g_assert_no_error (transfer.error);
  g_assert_cmpuint (transfer.received, ==, 4096);
  g_assert_cmpstr (transfer.received_sha256, ==, transfer.sent_sha256);
  tcp_transfer_clear (&transfer);
}

/* Wraps each connection of a GSocketService in a GSimpleIOStream: pollable
 * but no kernel socket the relay could splice, like a netstack stream. */
typedef struct
{
  SyAcceptSource  parent;
  GSocketService *service;
  gulong          handler;
  guint           accepted;
} WrappingSource;

static gboolean
wrapping_incoming_cb (GSocketService    *service,
                      GSocketConnection *connection,
                      GObject           *source_object,
                      gpointer           user_data)
{
  WrappingSource *source = user_data;
  g_autoptr(GIOStream) wrapped = NULL;
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);

  wrapped = g_simple_io_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                    g_io_stream_get_output_stream (G_IO_STREAM (connection)));
  /* the connection closes the socket when the wrapper goes */
  g_object_set_data_full (G_OBJECT (wrapped), "connection", g_object_ref (connection),
                          g_object_unref);
  source->accepted++;
  sy_accept_source_emit (&source->parent, wrapped, remote);
  return TRUE;
}

static gboolean
wrapping_start (SyAcceptSource  *self,
                GError         **error)
{
  WrappingSource *source = (WrappingSource *) self;

  source->handler = g_signal_connect (source->service, "incoming",
                                      G_CALLBACK (wrapping_incoming_cb), source);
  g_socket_service_start (source->service);
  return TRUE;
}

static void
wrapping_stop (SyAcceptSource *self)
{
  WrappingSource *source = (WrappingSource *) self;

  g_socket_service_stop (source->service);
  g_clear_signal_handler (&source->handler, source->service);
}

static void
wrapping_free (SyAcceptSource *self)
{
  WrappingSource *source = (WrappingSource *) self;

  g_socket_listener_close (G_SOCKET_LISTENER (source->service));
  g_clear_object (&source->service);
  g_free (source);
}

static const SyAcceptSourceFuncs wrapping_funcs = {
  wrapping_start,
  wrapping_stop,
  wrapping_free,
};

static void
test_server_buffered (Fixture       *f,
                      gconstpointer  user_data)
{
  g_autoptr(SyTcpServerTunnel) tunnel = NULL;
  g_autoptr(SySession) session = NULL;
  g_autoptr(GError) error = NULL;
  TcpTransfer transfer = { 0, };
  WrappingSource *source;
  guint16 port;
  gint64 start;

  source = g_new0 (WrappingSource, 1);
  sy_accept_source_init (&source->parent, &wrapping_funcs, "wrapped test port");
  source->service = bind_service (&port);

  tunnel = sy_tcp_server_tunnel_new (f->dispatcher, "server", &source->parent,
                                     "127.0.0.1", f->echo_port, "direct");
  g_assert_true (sy_tcp_server_tunnel_start (tunnel, &error));
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  tcp_transfer_run (&transfer, port, BIG_TRANSFER);
  g_test_message ("16 MiB each way through the buffered relay in %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpuint (source->accepted, ==, 1);
  session = assert_transfer_logged (f, &transfer, "server", SY_TUNNEL_PROTOCOL_TCP_SERVER);
  tcp_transfer_clear (&transfer);
}

static gboolean
failing_start (SyAcceptSource  *self,
               GError         **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE, "port 3422 is taken");
  return FALSE;
}

static void
failing_stop (SyAcceptSource *self)
{
  g_assert_not_reached ();
}

static const SyAcceptSourceFuncs failing_funcs = {
  failing_start,
  failing_stop,
  NULL,
};

static void
test_server_start_failure (Fixture       *f,
                           gconstpointer  user_data)
{
  g_autoptr(SyTcpServerTunnel) tunnel = NULL;
  g_autoptr(GError) error = NULL;
  SyAcceptSource *source;

  source = g_new0 (SyAcceptSource, 1);
  sy_accept_source_init (source, &failing_funcs, "tunnel port 3422");
  tunnel = sy_tcp_server_tunnel_new (f->dispatcher, "server", source,
                                     "127.0.0.1", f->echo_port, "direct");

  /* the error keeps its code and says which tunnel and where */
  g_assert_false (sy_tcp_server_tunnel_start (tunnel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_nonnull (strstr (error->message, "“server”"));
  g_assert_nonnull (strstr (error->message, "tunnel port 3422"));

  /* a source that never started is not stopped (failing_stop asserts) */
  sy_tcp_server_tunnel_stop (tunnel);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/core/tunnel/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("tcp-client/echo-16mib", test_client_echo_16mib);
  ADD ("tcp-client/close-session", test_client_close_session);
  ADD ("tcp-client/refused", test_client_refused);
  ADD ("tcp-client/unknown-outbound", test_client_unknown_outbound);
  ADD ("tcp-client/address-in-use", test_client_address_in_use);
  ADD ("tcp-client/bind-every-address", test_client_bind_every_address);
  ADD ("tcp-server/service-16mib", test_server_service);
  ADD ("tcp-server/buffered-16mib", test_server_buffered);
  ADD ("tcp-server/start-failure", test_server_start_failure);

#undef ADD

  return g_test_run ();
}
