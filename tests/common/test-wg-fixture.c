/* test-wg-fixture.c — the WireGuard test fixture against itself
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * wireguard-go as the server, wireguard-go with the kernel's TCP/IP stack
 * as the client, each in a namespace of its own: whatever our userspace
 * client will be tested on must work through this pair first.
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "sy-test-wg.h"

#define CURL_MAX_TIME        "20"
#define RECOVERY_TIMEOUT_US  (60 * G_USEC_PER_SEC)

static const char udp_echo_probe[] =
  "import socket, sys\n"
  "host, port = sys.argv[1], int(sys.argv[2])\n"
  "family = socket.AF_INET6 if ':' in host else socket.AF_INET\n"
  "with socket.socket(family, socket.SOCK_DGRAM) as s:\n"
  "    s.settimeout(5)\n"
  "    s.sendto(b'switchyard echo', (host, port))\n"
  "    print(s.recv(100).decode())\n";

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

static char *
url_for (const char *address,
         guint16     port,
         const char *path)
{
  gboolean v6 = strchr (address, ':') != NULL;

  return g_strdup_printf ("http://%s%s%s:%u%s", v6 ? "[" : "", address, v6 ? "]" : "",
                          port, path);
}

/* curl inside the client's namespace; NULL (with @error) when it fails. */
static char *
client_curl (SyTestWgKernelClient  *client,
             const char            *url,
             const char            *max_time,
             const char            *method,
             GBytes                *body,
             gsize                 *length,
             GError               **error)
{
  const char *get[] = { "curl", "-sS", "--fail", "-g", "--noproxy", "*",
                        "--max-time", max_time, url, NULL };
  /* --data-binary sends a Content-Length; -T - sends the body chunked. */
  const char *post[] = { "curl", "-sS", "--fail", "-g", "--noproxy", "*",
                         "--max-time", max_time, "--data-binary", "@-", url, NULL };
  const char *put[] = { "curl", "-sS", "--fail", "-g", "--noproxy", "*",
                        "--max-time", max_time, "-T", "-", url, NULL };
  const char * const *argv = g_strcmp0 (method, "POST") == 0 ? post
                             : g_strcmp0 (method, "PUT") == 0 ? put : get;

  return sy_test_wg_netns_run (sy_test_wg_kernel_client_get_netns (client), argv, body,
                               length, error);
}

static void
assert_get (SyTestWgKernelClient *client,
            const char           *address,
            guint16               port,
            const char           *path,
            const char           *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = url_for (address, port, path);
  g_autofree char *body = client_curl (client, url, CURL_MAX_TIME, "GET", NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (body, ==, expected);
}

static void
assert_download (SyTestWgKernelClient *client,
                 SyTestWgServer       *server,
                 gsize                 size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strdup_printf ("/bytes/%" G_GSIZE_FORMAT, size);
  g_autofree char *url = url_for (sy_test_wg_server_get_tunnel_address (server),
                                  sy_test_wg_server_get_http_port (server), path);
  g_autoptr(GBytes) expected = sy_test_wg_bytes_new (size);
  g_autofree char *expected_sha256 = NULL;
  g_autofree char *expected_streamed = NULL;
  g_autofree char *body = NULL;
  g_autofree char *got_sha256 = NULL;
  gsize length = 0;

  body = client_curl (client, url, CURL_MAX_TIME, "GET", NULL, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, size);
  got_sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) body, length);
  expected_sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, expected);
  expected_streamed = sy_test_wg_bytes_sha256 (size);
  g_assert_cmpstr (expected_sha256, ==, expected_streamed);
  g_assert_cmpstr (got_sha256, ==, expected_sha256);
}

static void
assert_upload (SyTestWgKernelClient *client,
               SyTestWgServer       *server,
               const char           *method,
               gsize                 size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = url_for (sy_test_wg_server_get_tunnel_address (server),
                                  sy_test_wg_server_get_http_port (server), "/upload");
  g_autofree guint8 *data = g_malloc (size);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *reply = NULL;

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_random_int ();
  sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, size);
  expected = g_strdup_printf ("%s %" G_GSIZE_FORMAT "\n", sha256, size);
  body = g_bytes_new_take (g_steal_pointer (&data), size);

  reply = client_curl (client, url, CURL_MAX_TIME, method, body, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply, ==, expected);
}

static void
assert_dns (SyTestWgKernelClient *client,
            const char           *server_address,
            const char           *name,
            const char           *type,
            const char           *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = g_build_filename (sy_test_wg_get_peers_dir (), "dns_query.py",
                                              NULL);
  const char *argv[] = { "python3", "-B", script, server_address, name, type, NULL };
  g_autofree char *output = sy_test_wg_kernel_client_run (client, argv, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (output, ==, expected);
}

static void
assert_udp_echo (SyTestWgKernelClient *client,
                 const char           *address,
                 guint16               port)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  const char *argv[] = { "python3", "-c", udp_echo_probe, address, port_text, NULL };
  g_autofree char *output = sy_test_wg_kernel_client_run (client, argv, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (output, ==, "switchyard echo\n");
}

static void
assert_iperf (SyTestWgKernelClient *client,
              const char           *address,
              guint16               port,
              const char           *seconds)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  const char *argv[] = { "iperf3", "-c", address, "-p", port_text, "-t", seconds,
                         "-f", "m", NULL };
  g_autofree char *output = sy_test_wg_kernel_client_run (client, argv, &error);
  g_auto(GStrv) lines = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (strstr (output, "receiver"));
  lines = g_strsplit (output, "\n", -1);
  for (gsize i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "receiver") != NULL)
      g_test_message ("iperf3 to %s through wireguard-go: %s", address, g_strstrip (lines[i]));
}

static void
assert_services (SyTestWgServer       *server,
                 SyTestWgKernelClient *client,
                 const char           *hello,
                 const char           *client_address)
{
  const char *tunnel4 = sy_test_wg_server_get_tunnel_address (server);
  const char *tunnel6 = sy_test_wg_server_get_tunnel_address6 (server);
  guint16 http_port = sy_test_wg_server_get_http_port (server);
  g_autofree char *ip = g_strdup_printf ("%s\n", client_address);
  g_autofree char *a = g_strdup_printf ("NOERROR\n%s\n", tunnel4);
  g_autofree char *aaaa = g_strdup_printf ("NOERROR\n%s\n", tunnel6);
  gint64 start;

  assert_get (client, tunnel4, http_port, "/", hello);
  assert_get (client, tunnel6, http_port, "/", hello);
  assert_get (client, tunnel4, http_port, "/ip", ip);

  start = g_get_monotonic_time ();
  assert_download (client, server, 1000000);
  g_test_message ("GET /bytes/1000000 checked in %.0f ms", ms_since (start));
  assert_download (client, server, 65536 * 3 + 17);
  assert_download (client, server, 0);
  assert_upload (client, server, "POST", 1234567);
  assert_upload (client, server, "PUT", 300001);

  assert_dns (client, tunnel4, "web.wg.test", "A", a);
  assert_dns (client, tunnel6, "web.wg.test", "AAAA", aaaa);
  assert_dns (client, tunnel4, "WEB.wg.test", "A", a);
  assert_dns (client, tunnel4, "ipv4.wg.test", "AAAA", "NOERROR\n");
  assert_dns (client, tunnel4, "ipv6.wg.test", "AAAA", aaaa);
  assert_dns (client, tunnel4, "nothere.wg.test", "A", "NXDOMAIN\n");
  assert_dns (client, tunnel4, "example.com", "A", "NXDOMAIN\n");

  assert_udp_echo (client, tunnel4, sy_test_wg_server_get_udp_echo_port (server));
  assert_udp_echo (client, tunnel6, sy_test_wg_server_get_udp_echo_port (server));

  assert_iperf (client, tunnel4, sy_test_wg_server_get_iperf_port (server), "2");
  assert_iperf (client, tunnel6, sy_test_wg_server_get_iperf_port (server), "1");
}

static gboolean
link_exists (const char *netns,
             const char *name)
{
  const char *argv[] = { "ip", "link", "show", name, NULL };
  g_autofree char *output = sy_test_wg_netns_run (netns, argv, NULL, NULL, NULL);

  return output != NULL;
}

static void
test_kernel_client (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyTestWgServer) server = NULL;
  g_autoptr(SyTestWgKernelClient) client = NULL;
  g_autofree char *user_private = NULL;
  g_autofree char *user_public = NULL;
  g_autofree char *kernel_private = NULL;
  g_autofree char *kernel_public = NULL;
  g_autofree char *netns_path = NULL;
  g_autofree char *client_netns_path = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;
  gint64 start;
  gint64 restarted_at;
  guint attempts = 0;

  if (!sy_test_wg_require_isolation ())
    return;

  /* The key of the userspace client the server is meant for: configured,
   * never used here. */
  sy_test_wg_genkey (&user_private, &user_public, &error);
  g_assert_no_error (error);
  sy_test_wg_genkey (&kernel_private, &kernel_public, &error);
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  server = sy_test_wg_server_new (0, user_public, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("server set up in %.0f ms", ms_since (start));
  g_assert_cmpstr (sy_test_wg_server_get_endpoint (server), ==, "10.200.0.2:51820");
  g_assert_cmpstr (sy_test_wg_server_get_endpoint6 (server), ==, "[fd00:200::2]:51820");
  g_assert_cmpstr (sy_test_wg_server_get_tunnel_address (server), ==, "10.77.0.1");
  g_assert_cmpstr (sy_test_wg_server_get_tunnel_address6 (server), ==, "fd77::1");
  g_assert_cmpstr (sy_test_wg_server_get_client_address (server), ==, "10.77.0.2");
  g_assert_cmpstr (sy_test_wg_server_get_client_address6 (server), ==, "fd77::2");
  g_assert_cmpuint (strlen (sy_test_wg_server_get_public_key (server)), ==, 44);

  start = g_get_monotonic_time ();
  client = sy_test_wg_kernel_client_new (server, kernel_private, "10.77.0.3/24,fd77::3/64",
                                         &error);
  g_assert_no_error (error);
  g_test_message ("kernel client set up in %.0f ms", ms_since (start));
  g_assert_cmpstr (sy_test_wg_kernel_client_get_public_key (client), ==, kernel_public);
  g_assert_cmpint (sy_test_wg_kernel_client_get_last_handshake (client), ==, 0);

  start = g_get_monotonic_time ();
  assert_services (server, client, "hello from wg-server-0\n", "10.77.0.3");
  g_test_message ("services checked in %.0f ms", ms_since (start));
  g_assert_cmpint (sy_test_wg_server_get_peer_last_handshake (server, kernel_public), >, 0);
  g_assert_cmpint (sy_test_wg_kernel_client_get_last_handshake (client), >, 0);
  g_assert_cmpint (sy_test_wg_server_get_last_handshake (server), ==, 0);

  /* Stopped, the server answers nothing: the client's data goes
   * unanswered, which is what makes it handshake again (after 15 s:
   * KEEPALIVE_TIMEOUT + REKEY_TIMEOUT). */
  sy_test_wg_server_stop (server, &error);
  g_assert_no_error (error);
  g_assert_false (sy_test_wg_server_is_running (server));
  g_assert_false (link_exists (sy_test_wg_server_get_netns (server),
                               sy_test_wg_server_get_interface (server)));
  g_assert_cmpint (sy_test_wg_server_get_peer_last_handshake (server, kernel_public), ==, 0);
  url = url_for (sy_test_wg_server_get_tunnel_address (server),
                 sy_test_wg_server_get_http_port (server), "/");
  body = client_curl (client, url, "2", "GET", NULL, NULL, &error);
  g_assert_null (body);
  g_assert_nonnull (error);
  g_clear_error (&error);

  restarted_at = g_get_real_time () / G_USEC_PER_SEC;
  start = g_get_monotonic_time ();
  sy_test_wg_server_start (server, &error);
  g_assert_no_error (error);
  g_test_message ("server restarted in %.0f ms", ms_since (start));
  g_assert_true (sy_test_wg_server_is_running (server));
  /* The same key, port and services. */
  while (body == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time () - start, <, RECOVERY_TIMEOUT_US);
      attempts++;
      body = client_curl (client, url, "5", "GET", NULL, NULL, &error);
      if (body == NULL)
        {
          g_test_message ("not yet: %s", error->message);
          g_clear_error (&error);
        }
    }
  g_test_message ("the kernel client got through again %.1f s after the restart "
                  "(%u attempts)", ms_since (start) / 1000, attempts);
  g_assert_cmpstr (body, ==, "hello from wg-server-0\n");
  g_assert_cmpint (sy_test_wg_server_get_peer_last_handshake (server, kernel_public), >=,
                   restarted_at);
  g_assert_cmpint (sy_test_wg_kernel_client_get_last_handshake (client), >=, restarted_at);
  assert_download (client, server, 1000000);

  /* Nothing stays behind. */
  netns_path = g_build_filename ("/run/netns", sy_test_wg_server_get_netns (server), NULL);
  client_netns_path = g_build_filename ("/run/netns", sy_test_wg_kernel_client_get_netns (client),
                                        NULL);
  g_assert_true (g_file_test (netns_path, G_FILE_TEST_EXISTS));
  g_assert_true (link_exists (NULL, "sywg-s0"));
  g_clear_pointer (&client, sy_test_wg_kernel_client_free);
  g_clear_pointer (&server, sy_test_wg_server_free);
  g_assert_false (g_file_test (netns_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (client_netns_path, G_FILE_TEST_EXISTS));
  g_assert_false (link_exists (NULL, "sywg-s0"));
}

static void
test_preshared_key (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyTestWgServer) server = NULL;
  g_autoptr(SyTestWgKernelClient) client = NULL;
  g_autofree char *private_key = NULL;
  g_autofree char *public_key = NULL;
  g_autofree char *psk = NULL;
  g_autofree char *keys = NULL;
  g_autofree char *expected_keys = NULL;
  const char *argv[] = { "wg", "show", NULL, "preshared-keys", NULL };

  if (!sy_test_wg_require_isolation ())
    return;

  sy_test_wg_genkey (&private_key, &public_key, &error);
  g_assert_no_error (error);
  psk = sy_test_wg_genpsk (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (psk), ==, 44);

  /* The kernel client takes the place of the server's own client: its key,
   * its preshared key, its addresses. */
  server = sy_test_wg_server_new (1, public_key, psk, &error);
  g_assert_no_error (error);
  client = sy_test_wg_kernel_client_new (server, private_key, "10.77.1.2/24,fd77:1::2/64", &error);
  g_assert_no_error (error);

  argv[2] = sy_test_wg_server_get_interface (server);
  keys = sy_test_wg_server_run (server, argv, &error);
  g_assert_no_error (error);
  expected_keys = g_strdup_printf ("%s\t%s\n", public_key, psk);
  g_assert_cmpstr (keys, ==, expected_keys);

  assert_get (client, "10.77.1.1", sy_test_wg_server_get_http_port (server), "/ip",
              "10.77.1.2\n");
  assert_get (client, "fd77:1::1", sy_test_wg_server_get_http_port (server), "/ip",
              "fd77:1::2\n");
  g_assert_cmpint (sy_test_wg_server_get_last_handshake (server), >, 0);
}

/* Needs no root: the C stream against the Python one, whose checksum of
 * GET /bytes/1000000 is pinned here. */
static void
test_bytes (void)
{
  g_autoptr(GBytes) bytes = sy_test_wg_bytes_new (1000000);
  const guint8 *data = g_bytes_get_data (bytes, NULL);
  g_autofree char *sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  g_autofree char *streamed = sy_test_wg_bytes_sha256 (1000000);
  g_autofree char *empty = sy_test_wg_bytes_sha256 (0);

  g_assert_cmpstr (sha256, ==, "4d0ecd92f371eff50208805d2c816a9e7775998022d346b313cec9392365926f");
  g_assert_cmpstr (streamed, ==, sha256);
  g_assert_cmpstr (empty, ==, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  /* No chunk repeats another. */
  g_assert_cmpint (memcmp (data, data + 65536, 65536), !=, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *reason = NULL;

  /* Before anything can start a thread. */
  if (!sy_test_wg_isolate (&reason))
    g_printerr ("# the WireGuard fixture cannot run here: %s\n", reason);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wireguard/fixture/bytes", test_bytes);
  g_test_add_func ("/wireguard/fixture/kernel-client", test_kernel_client);
  g_test_add_func ("/wireguard/fixture/preshared-key", test_preshared_key);

  return g_test_run ();
}
