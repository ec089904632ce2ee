/* test-tunnels-wg.c — the tunnels through a real WireGuard tunnel
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the wireproxy routines really run on: the WireGuard outbound
 * (our device and netstack) against wireguard-go in a network namespace
 * (sy-test-wg.h), with the services behind it. The TCP client tunnel dials
 * the HTTP service through the tunnel; the TCP server tunnel listens inside
 * the tunnel (sy_netstack_listen()) and a client in the server's namespace
 * connects to it; the UDP tunnel reaches the UDP echo service through the
 * netstack's UDP sockets. Needs root: skipped without it unless CI is set.
 */

#include "config.h"

#include <stdio.h>

#include "engine/sy-dispatcher.h"
#include "inbound/sy-accept-source.h"
#include "inbound/sy-netstack-datagram.h"
#include "inbound/sy-tcp-client-tunnel.h"
#include "inbound/sy-tcp-server-tunnel.h"
#include "inbound/sy-tunnel-conn.h"
#include "inbound/sy-udp-proxy-tunnel.h"
#include "outbound/sy-direct-outbound.h"
#include "outbound/sy-wireguard-outbound.h"
#include "relay/sy-relay.h"

#include "sy-test-peers.h"
#include "sy-test-wg.h"
#include "tunnel-test-util.h"

#define TRANSFER (16 * 1024 * 1024)
#define SERVER_TUNNEL_PORT 2222

static char *isolation_failure;

typedef struct
{
  SyTestWgServer      *server;
  SyDispatcher        *dispatcher;
  SyWireguardOutbound *wg;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyOutbound) direct = sy_direct_outbound_new ("direct");
  g_autoptr(SyWgProfile) profile = NULL;
  g_autofree char *private_key = NULL;
  g_autofree char *public_key = NULL;
  g_autofree char *text = NULL;

  if (!sy_test_wg_require_isolation ())
    return;

  g_assert_true (sy_test_wg_genkey (&private_key, &public_key, &error));
  g_assert_no_error (error);
  f->server = sy_test_wg_server_new (0, public_key, NULL, &error);
  g_assert_no_error (error);

  text = g_strdup_printf ("[Interface]\n"
                          "PrivateKey = %s\n"
                          "Address = %s/32, %s/128\n"
                          "\n"
                          "[Peer]\n"
                          "PublicKey = %s\n"
                          "Endpoint = %s\n"
                          "AllowedIPs = %s/32, %s/128\n",
                          private_key,
                          sy_test_wg_server_get_client_address (f->server),
                          sy_test_wg_server_get_client_address6 (f->server),
                          sy_test_wg_server_get_public_key (f->server),
                          sy_test_wg_server_get_endpoint (f->server),
                          sy_test_wg_server_get_tunnel_address (f->server),
                          sy_test_wg_server_get_tunnel_address6 (f->server));
  profile = sy_wg_profile_parse_wg_quick (text, "wg0.conf", &error);
  g_assert_no_error (error);

  f->wg = sy_wireguard_outbound_new ("wg", profile, &error);
  g_assert_no_error (error);
  g_assert_true (sy_wireguard_outbound_start (f->wg, &error));
  g_assert_no_error (error);

  f->dispatcher = sy_dispatcher_new ();
  sy_dispatcher_set_outbound (f->dispatcher, direct);
  sy_dispatcher_set_outbound (f->dispatcher, SY_OUTBOUND (f->wg));
  sy_dispatcher_set_timeouts (f->dispatcher, 15000, 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  user_data)
{
  if (f->dispatcher != NULL)
    {
      sy_dispatcher_close_all (f->dispatcher);
      wait_sessions_gone (f->dispatcher);
    }
  g_clear_object (&f->dispatcher);
  if (f->wg != NULL)
    sy_wireguard_outbound_stop (f->wg);
  g_clear_object (&f->wg);
  g_clear_pointer (&f->server, sy_test_wg_server_free);
  sy_relay_release_cache ();
}

/* The TCP client tunnel ------------------------------------------------- */

typedef struct
{
  guint16  port;
  char    *request;      /* the head */
  gsize    upload;       /* pattern bytes after the head */

  char    *upload_sha256;
  char    *body_sha256;
  GString *body_start;   /* the first bytes of the body, for text answers */
  gsize    body_length;
  int      status;
  GError  *error;
} HttpJob;

static gpointer
http_job_thread (gpointer user_data)
{
  HttpJob *job = user_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GChecksum) up = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GChecksum) down = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GString) head = g_string_new (NULL);
  GOutputStream *output;
  GInputStream *input;
  guint8 buffer[65536];
  gboolean in_body = FALSE;

  g_socket_client_set_timeout (client, 60);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", job->port, NULL,
                                                &job->error);
  if (connection == NULL)
    return NULL;
  output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  input = g_io_stream_get_input_stream (G_IO_STREAM (connection));

  if (!g_output_stream_write_all (output, job->request, strlen (job->request), NULL, NULL,
                                  &job->error))
    return NULL;
  for (gsize sent = 0; sent < job->upload; )
    {
      gsize length = MIN (sizeof buffer, job->upload - sent);

      pattern_fill (buffer, length, sent);
      g_checksum_update (up, buffer, length);
      if (!g_output_stream_write_all (output, buffer, length, NULL, NULL, &job->error))
        return NULL;
      sent += length;
    }
  job->upload_sha256 = g_strdup (g_checksum_get_string (up));

  job->body_start = g_string_new (NULL);
  for (;;)
    {
      gssize n = g_input_stream_read (input, buffer, sizeof buffer, NULL, &job->error);
      const guint8 *data = buffer;

      if (n < 0)
        return NULL;
      if (n == 0)
        break;

      if (!in_body)
        {
          const char *end;

          g_string_append_len (head, (const char *) buffer, n);
          end = strstr (head->str, "\r\n\r\n");
          if (end == NULL)
            continue;
          in_body = TRUE;
          data = (const guint8 *) end + 4;
          n = head->len - (end + 4 - head->str);
          sscanf (head->str, "HTTP/1.%*d %d", &job->status);
        }

      g_checksum_update (down, data, n);
      if (job->body_start->len < 256)
        g_string_append_len (job->body_start, (const char *) data, MIN (n, 256));
      job->body_length += n;
    }

  job->body_sha256 = g_strdup (g_checksum_get_string (down));
  return NULL;
}

static void
http_job_clear (HttpJob *job)
{
  g_free (job->request);
  g_free (job->upload_sha256);
  g_free (job->body_sha256);
  if (job->body_start != NULL)
    g_string_free (job->body_start, TRUE);
  g_clear_error (&job->error);
}

static void
test_client_tunnel (Fixture       *f,
                    gconstpointer  user_data)
{
  g_autoptr(SyTcpClientTunnel) tunnel = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) log = NULL;
  g_autofree char *expected_download = NULL;
  g_autofree char *expected_upload = NULL;
  HttpJob download = { 0, };
  HttpJob upload = { 0, };
  guint16 port;
  gint64 start;

  if (f->server == NULL)
    return;

  tunnel = sy_tcp_client_tunnel_new (f->dispatcher, "fwd", "127.0.0.1", 0,
                                     sy_test_wg_server_get_tunnel_address (f->server),
                                     sy_test_wg_server_get_http_port (f->server), "wg");
  g_assert_true (sy_tcp_client_tunnel_start (tunnel, &error));
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (
    G_INET_SOCKET_ADDRESS (sy_tcp_client_tunnel_get_local_address (tunnel)));

  /* down: 16 MiB of the server's stream */
  download.port = port;
  download.request = g_strdup_printf ("GET /bytes/%u HTTP/1.0\r\n\r\n", TRANSFER);
  start = g_get_monotonic_time ();
  run_on_thread (http_job_thread, &download);
  g_assert_no_error (download.error);
  g_test_message ("16 MiB down through TCPClientTunnel and WireGuard in %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpint (download.status, ==, 200);
  g_assert_cmpuint (download.body_length, ==, TRANSFER);
  expected_download = sy_test_wg_bytes_sha256 (TRANSFER);
  g_assert_cmpstr (download.body_sha256, ==, expected_download);

  /* up: 16 MiB, the server answers their digest */
  upload.port = port;
  upload.request = g_strdup_printf ("POST /upload HTTP/1.0\r\nContent-Length: %u\r\n\r\n",
                                    TRANSFER);
  upload.upload = TRANSFER;
  start = g_get_monotonic_time ();
  run_on_thread (http_job_thread, &upload);
  g_assert_no_error (upload.error);
  g_test_message ("16 MiB up through TCPClientTunnel and WireGuard in %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpint (upload.status, ==, 200);
  expected_upload = g_strdup_printf ("%s %u\n", upload.upload_sha256, TRANSFER);
  g_assert_cmpstr (upload.body_start->str, ==, expected_upload);

  wait_sessions_gone (f->dispatcher);
  log = sy_dispatcher_get_connection_log (f->dispatcher);
  g_assert_cmpuint (log->len, ==, 2);
  for (guint i = 0; i < log->len; i++)
    {
      SySession *session = g_ptr_array_index (log, i);

      g_assert_cmpstr (session->outbound, ==, "wg");
      g_assert_cmpint (session->state, ==, SY_SESSION_STATE_CLOSED);
    }
  g_assert_cmpuint (((SySession *) g_ptr_array_index (log, 0))->bytes_down, >, TRANSFER);
  g_assert_cmpuint (((SySession *) g_ptr_array_index (log, 1))->bytes_up, >, TRANSFER);

  http_job_clear (&download);
  http_job_clear (&upload);
}

/* The TCP server tunnel ------------------------------------------------- */

/* Inside the server's namespace: connect to our tunnel address, send N
 * bytes while reading the echo, print both digests and the length read. */
static const char echo_client_script[] =
  "import hashlib, socket, sys, threading\n"
  "host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])\n"
  "s = socket.create_connection((host, port), timeout=30)\n"
  "sent = hashlib.sha256()\n"
  "def send():\n"
  "    left, k = n, 0\n"
  "    while left > 0:\n"
  "        block = hashlib.sha256(k.to_bytes(8, 'little')).digest() * 2048\n"
  "        block = block[:left]\n"
  "        sent.update(block)\n"
  "        s.sendall(block)\n"
  "        left -= len(block)\n"
  "        k += 1\n"
  "    s.shutdown(socket.SHUT_WR)\n"
  "t = threading.Thread(target=send)\n"
  "t.start()\n"
  "got, length = hashlib.sha256(), 0\n"
  "while True:\n"
  "    data = s.recv(65536)\n"
  "    if not data:\n"
  "        break\n"
  "    got.update(data)\n"
  "    length += len(data)\n"
  "t.join()\n"
  "print(sent.hexdigest(), got.hexdigest(), length)\n";

typedef struct
{
  SyTestWgServer *server;
  char           *port;
  char           *size;
  char           *output;
  GError         *error;
} NetnsJob;

static gpointer
netns_job_thread (gpointer user_data)
{
  NetnsJob *job = user_data;
  const char *argv[] = { "python3", "-c", echo_client_script,
                         sy_test_wg_server_get_client_address (job->server),
                         job->port, job->size, NULL };

  job->output = sy_test_wg_server_run (job->server, argv, &job->error);
  return NULL;
}

typedef struct
{
  gboolean done;
  gint64   rtt;
  GError  *error;
} Ping;

static void
ping_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Ping *ping = user_data;

  ping->rtt = sy_netstack_ping_finish (SY_NETSTACK (object), result, &ping->error);
  ping->done = TRUE;
}

static void
test_server_tunnel (Fixture       *f,
                    gconstpointer  user_data)
{
  g_autoptr(SyTestServer) echo = NULL;
  g_autoptr(SyTcpServerTunnel) tunnel = NULL;
  g_autoptr(GInetAddress) peer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) log = NULL;
  g_auto(GStrv) fields = NULL;
  SyNetstack *netstack;
  NetnsJob job = { 0, };
  Ping ping = { 0, };
  SySession *session;
  gint64 start;

  if (f->server == NULL)
    return;

  echo = sy_test_echo_server_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);

  netstack = sy_wireguard_outbound_get_netstack (f->wg);
  tunnel = sy_tcp_server_tunnel_new (f->dispatcher, "server",
                                     sy_accept_source_new_netstack (netstack, SERVER_TUNNEL_PORT),
                                     "127.0.0.1", sy_test_server_get_port (echo), "direct");
  g_assert_true (sy_tcp_server_tunnel_start (tunnel, &error));
  g_assert_no_error (error);

  /* The server learns our endpoint from our first handshake: make one. */
  peer = g_inet_address_new_from_string (sy_test_wg_server_get_tunnel_address (f->server));
  sy_netstack_ping_async (netstack, peer, 5000, NULL, ping_cb, &ping);
  while (!ping.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (ping.error);

  job.server = f->server;
  job.port = g_strdup_printf ("%u", SERVER_TUNNEL_PORT);
  job.size = g_strdup_printf ("%u", TRANSFER);
  start = g_get_monotonic_time ();
  run_on_thread (netns_job_thread, &job);
  g_assert_no_error (job.error);
  g_test_message ("16 MiB each way through TCPServerTunnel and WireGuard in %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);

  fields = g_strsplit (g_strstrip (job.output), " ", 3);
  g_assert_cmpuint (g_strv_length (fields), ==, 3);
  g_assert_cmpstr (fields[0], ==, fields[1]);
  g_assert_cmpstr (fields[2], ==, job.size);

  wait_sessions_gone (f->dispatcher);
  log = sy_dispatcher_get_connection_log (f->dispatcher);
  g_assert_cmpuint (log->len, ==, 1);
  session = g_ptr_array_index (log, 0);
  g_assert_cmpstr (session->protocol, ==, SY_TUNNEL_PROTOCOL_TCP_SERVER);
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_CLOSED);
  g_assert_cmpuint (session->bytes_up, ==, TRANSFER);
  g_assert_cmpuint (session->bytes_down, ==, TRANSFER);
  /* the client is the peer inside the tunnel */
  {
    g_autofree char *client = sy_session_dup_client (session);

    g_assert_true (g_str_has_prefix (client, sy_test_wg_server_get_tunnel_address (f->server)));
  }

  sy_tcp_server_tunnel_stop (tunnel);
  g_free (job.port);
  g_free (job.size);
  g_free (job.output);
}

/* The UDP tunnel -------------------------------------------------------- */

static void
test_udp_tunnel (Fixture       *f,
                 gconstpointer  user_data)
{
  g_autoptr(SyDatagramDialer) dialer = NULL;
  g_autoptr(SyUdpProxyTunnel) tunnel = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) a = NULL;
  g_autoptr(GSocket) b = NULL;
  GSocketAddress *tunnel_address;
  guint8 buffer[2048];

  if (f->server == NULL)
    return;

  dialer = sy_wireguard_datagram_dialer_new (f->wg);
  g_assert_cmpstr (sy_datagram_dialer_get_name (dialer), ==, "wg");
  tunnel = sy_udp_proxy_tunnel_new (f->dispatcher, "udp", "127.0.0.1", 0,
                                    sy_test_wg_server_get_tunnel_address (f->server),
                                    sy_test_wg_server_get_udp_echo_port (f->server),
                                    dialer, 1000);
  g_assert_true (sy_udp_proxy_tunnel_start (tunnel, &error));
  g_assert_no_error (error);
  tunnel_address = sy_udp_proxy_tunnel_get_local_address (tunnel);

  a = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  b = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (a, FALSE);
  g_socket_set_blocking (b, FALSE);

  for (guint i = 0; i < 20; i++)
    {
      char message[64];
      gsize length;
      gssize n;

      length = g_snprintf (message, sizeof message, "client a, datagram %u", i);
      g_assert_cmpint (g_socket_send_to (a, tunnel_address, message, length, NULL, NULL), ==,
                       length);
      g_snprintf (message, sizeof message, "client b, datagram %u", i);
      g_assert_cmpint (g_socket_send_to (b, tunnel_address, message, length, NULL, NULL), ==,
                       length);

      wait_socket (a, G_IO_IN);
      n = g_socket_receive (a, (char *) buffer, sizeof buffer, NULL, NULL);
      g_snprintf (message, sizeof message, "client a, datagram %u", i);
      g_assert_cmpmem (buffer, n, message, length);
      wait_socket (b, G_IO_IN);
      n = g_socket_receive (b, (char *) buffer, sizeof buffer, NULL, NULL);
      g_snprintf (message, sizeof message, "client b, datagram %u", i);
      g_assert_cmpmem (buffer, n, message, length);
    }

  g_assert_cmpuint (sy_udp_proxy_tunnel_get_n_associations (tunnel), ==, 2);
  g_assert_cmpuint (sy_dispatcher_get_active_count (f->dispatcher), ==, 2);

  /* and they expire */
  while (sy_udp_proxy_tunnel_get_n_associations (tunnel) > 0)
    iterate_for (50);
  g_assert_cmpuint (sy_dispatcher_get_active_count (f->dispatcher), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  sy_test_wg_isolate (&isolation_failure);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/wireguard/tunnel/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("tcp-client", test_client_tunnel);
  ADD ("tcp-server", test_server_tunnel);
  ADD ("udp", test_udp_tunnel);

#undef ADD

  return g_test_run ();
}
