/* test-e2e-wireguard.c — switchyardd -c wireproxy.conf against wireguard-go
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real switchyardd binary in wireproxy mode, talking WireGuard to
 * wireguard-go in a network namespace (tests/common/sy-test-wg.h), with
 * curl, the namespace's HTTP, DNS and UDP echo services and our own
 * sockets on the other ends. Every byte that crosses is checked: downloads
 * and uploads by SHA-256, echoes by content.
 *
 * Root is needed (network namespaces, TUN). Without it every case skips
 * and says why, unless CI is set: then they fail.
 */

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "sy-e2e.h"
#include "sy-test-wg.h"

#define DOWNLOAD_SIZE     (64 * 1024 * 1024)
#define UPLOAD_SIZE       (32 * 1024 * 1024)
#define START_TIMEOUT_MS  20000

/* ---------------------------------------------------------------- helpers */

typedef struct
{
  char           *dir;
  char           *client_private;
  char           *client_public;
  char           *psk;
  SyTestWgServer *server;
  SyTestWgServer *server2;
  char           *config_path;
  SyTestProcess  *switchyardd;
  guint16         health_port;
  gboolean        ipv6;          /* the client gets its IPv6 tunnel address too */
} Env;

static Env *
env_new (gboolean with_psk)
{
  g_autoptr(GError) error = NULL;
  Env *env = g_new0 (Env, 1);

  env->dir = sy_e2e_make_temp_dir ();
  sy_test_wg_genkey (&env->client_private, &env->client_public, &error);
  g_assert_no_error (error);
  if (with_psk)
    {
      env->psk = sy_test_wg_genpsk (&error);
      g_assert_no_error (error);
    }
  env->server = sy_test_wg_server_new (0, env->client_public, env->psk, &error);
  g_assert_no_error (error);
  env->config_path = g_build_filename (env->dir, "wireproxy.conf", NULL);

  return env;
}

static void
env_stop (Env *env)
{
  g_autoptr(GError) error = NULL;
  int status;

  if (env->switchyardd == NULL)
    return;

  /* A clean stop is part of what is tested. */
  sy_test_process_signal (env->switchyardd, SIGTERM);
  status = sy_test_process_wait (env->switchyardd, 10000);
  g_assert_cmpint (status, !=, -1);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  g_clear_pointer (&env->switchyardd, sy_test_process_free);
}

static void
env_free (Env *env)
{
  if (env == NULL)
    return;

  g_clear_pointer (&env->switchyardd, sy_test_process_free);
  g_clear_pointer (&env->server2, sy_test_wg_server_free);
  g_clear_pointer (&env->server, sy_test_wg_server_free);
  sy_test_rm_rf (env->dir);
  g_free (env->dir);
  g_free (env->client_private);
  g_free (env->client_public);
  g_free (env->psk);
  g_free (env->config_path);
  g_free (env);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Env, env_free)

/* [Interface] and one [Peer] for the first server, then @sections. */
static void
env_write_config (Env        *env,
                  const char *interface_extra,
                  const char *sections)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  g_autofree char *address6 = NULL;

  if (env->ipv6)
    address6 = g_strdup_printf (", %s/128", sy_test_wg_server_get_client_address6 (env->server));
  g_string_append_printf (text,
                          "[Interface]\n"
                          "Address = %s/32%s\n"
                          "PrivateKey = %s\n"
                          "%s"
                          "\n"
                          "[Peer]\n"
                          "PublicKey = %s\n"
                          "Endpoint = %s\n"
                          "AllowedIPs = 10.77.0.0/24, fd77::/64\n",
                          sy_test_wg_server_get_client_address (env->server),
                          address6 != NULL ? address6 : "",
                          env->client_private,
                          interface_extra != NULL ? interface_extra : "",
                          sy_test_wg_server_get_public_key (env->server),
                          sy_test_wg_server_get_endpoint (env->server));
  if (env->psk != NULL)
    g_string_append_printf (text, "PresharedKey = %s\n", env->psk);
  g_string_append_printf (text, "\n%s", sections);

  g_file_set_contents (env->config_path, text->str, -1, &error);
  g_assert_no_error (error);
}

/* Runs `switchyardd -c CONFIG -i 127.0.0.1:PORT [args]` and waits for its
 * "Ready" message. */
static void
env_start (Env                *env,
           const char * const *args,
           const char * const *extra_env)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  g_autofree char *info = NULL;

  g_assert_null (env->switchyardd);
  env->health_port = sy_test_find_free_port ("127.0.0.1");
  info = g_strdup_printf ("127.0.0.1:%u", env->health_port);
  g_strv_builder_add_many (builder, g_getenv ("SWITCHYARDD"), "-c", env->config_path,
                           "-i", info, NULL);
  if (args != NULL)
    g_strv_builder_addv (builder, (const char **) args);
  argv = g_strv_builder_end (builder);

  env->switchyardd = sy_test_process_spawn ("switchyardd", env->dir,
                                            (const char * const *) argv, extra_env, &error);
  g_assert_no_error (error);
  if (sy_test_process_wait_output (env->switchyardd, 0, "Ready: ", START_TIMEOUT_MS) < 0)
    {
      g_autofree char *output = sy_test_process_dup_output (env->switchyardd);

      g_error ("switchyardd did not get ready; its output:\n%s", output);
    }
}

static char *
url_for (const char *host,
         guint16     port,
         const char *path)
{
  gboolean v6 = strchr (host, ':') != NULL;

  return g_strdup_printf ("http://%s%s%s:%u%s", v6 ? "[" : "", host, v6 ? "]" : "", port, path);
}

static char *
server_url (SyTestWgServer *server,
            const char     *path)
{
  return url_for (sy_test_wg_server_get_tunnel_address (server),
                  sy_test_wg_server_get_http_port (server), path);
}

/* curl with @args; asserts success and returns what it printed. */
static char *
curl_ok (const char * const *args)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = sy_e2e_run_curl (args, &out, &err);

  if (status != 0)
    g_error ("curl failed with %d: %s", status, err);

  return g_steal_pointer (&out);
}

/* GET through the health server: the status, and the body in @body. */
static guint
health_get (Env         *env,
            const char  *path,
            char       **body)
{
  g_autofree char *url = url_for ("127.0.0.1", env->health_port, path);
  const char *args[] = { "--noproxy", "*", "-w", "\n%{http_code}", url, NULL };
  g_autofree char *out = curl_ok (args);
  char *last = strrchr (out, '\n');
  guint64 status = 0;

  g_assert_nonnull (last);
  g_assert_true (g_ascii_string_to_unsigned (last + 1, 10, 100, 599, &status, NULL));
  *last = '\0';
  if (body != NULL)
    *body = g_strdup (out);

  return status;
}

/* The value of the sample whose name and labels are exactly @series. */
static gboolean
metric_value (const char *metrics,
              const char *series,
              double     *value)
{
  g_auto(GStrv) lines = g_strsplit (metrics, "\n", -1);
  gsize length = strlen (series);

  for (guint i = 0; lines[i] != NULL; i++)
    if (strncmp (lines[i], series, length) == 0 && lines[i][length] == ' ')
      {
        *value = g_ascii_strtod (lines[i] + length + 1, NULL);
        return TRUE;
      }

  return FALSE;
}

static double
peer_metric (const char     *metrics,
             const char     *name,
             SyTestWgServer *server)
{
  g_autofree char *series = g_strdup_printf ("%s{profile=\"wireproxy\",public_key=\"%s\"}", name,
                                             sy_test_wg_server_get_public_key (server));
  double value = -1;

  if (!metric_value (metrics, series, &value))
    g_error ("no %s in /metrics:\n%s", series, metrics);

  return value;
}

/* curl downloads @size bytes of the server's /bytes/ stream to a file,
 * through whatever @proxy_args say, and the checksum must match. */
static void
assert_download (Env                *env,
                 const char * const *proxy_args,
                 const char         *url_base,
                 gsize               size)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *path = g_strdup_printf ("/bytes/%" G_GSIZE_FORMAT, size);
  g_autofree char *url = g_strconcat (url_base, path, NULL);
  g_autofree char *file = g_build_filename (env->dir, "download", NULL);
  g_autofree char *expected = sy_test_wg_bytes_sha256 (size);
  g_autofree char *got = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) args = NULL;
  gsize length = 0;
  gint64 start = g_get_monotonic_time ();

  g_strv_builder_addv (builder, (const char **) proxy_args);
  g_strv_builder_add_many (builder, "--fail", "-o", file, url, NULL);
  args = g_strv_builder_end (builder);
  out = curl_ok ((const char * const *) args);

  got = sy_e2e_sha256_file (file, &length);
  g_assert_cmpuint (length, ==, size);
  g_assert_cmpstr (got, ==, expected);
  g_test_message ("%" G_GSIZE_FORMAT " bytes in %.2f s (%.1f MB/s)", size,
                  (g_get_monotonic_time () - start) / 1e6,
                  size / ((g_get_monotonic_time () - start) / 1e6) / 1e6);
  g_unlink (file);
}

/* POSTs @size bytes of sy_e2e_pattern() to the server's /upload, which
 * answers with their SHA-256 and length. */
static void
assert_upload (Env                *env,
               const char * const *proxy_args,
               gsize               size)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *file = g_build_filename (env->dir, "upload", NULL);
  g_autofree char *data_arg = g_strconcat ("@", file, NULL);
  g_autofree char *url = server_url (env->server, "/upload");
  g_autofree char *digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                         sy_e2e_pattern (size), size);
  g_autofree char *expected = g_strdup_printf ("%s %" G_GSIZE_FORMAT "\n", digest, size);
  g_autofree char *out = NULL;
  g_auto(GStrv) args = NULL;

  g_file_set_contents (file, (const char *) sy_e2e_pattern (size), size, &error);
  g_assert_no_error (error);

  g_strv_builder_addv (builder, (const char **) proxy_args);
  g_strv_builder_add_many (builder, "--fail", "--data-binary", data_arg, url, NULL);
  args = g_strv_builder_end (builder);
  out = curl_ok ((const char * const *) args);

  g_assert_cmpstr (out, ==, expected);
  g_unlink (file);
}

/* The test certificate of tests/e2e/tls, as cert.pem and key.pem in the
 * test's directory. */
static void
make_certificate (Env   *env,
                  char **cert,
                  char **key)
{
  const char *names[] = { "localhost.pem", "localhost.key" };
  char **paths[] = { cert, key };
  const char *as[] = { "cert.pem", "key.pem" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;

      g_file_get_contents (g_test_get_filename (G_TEST_DIST, "e2e", "tls", names[i], NULL),
                           &text, NULL, &error);
      g_assert_no_error (error);
      *paths[i] = g_build_filename (env->dir, as[i], NULL);
      g_file_set_contents (*paths[i], text, -1, &error);
      g_assert_no_error (error);
    }
}

static char *
hex_of_base64 (const char *base64)
{
  gsize length = 0;
  g_autofree guchar *raw = g_base64_decode (base64, &length);
  GString *hex = g_string_new (NULL);

  for (gsize i = 0; i < length; i++)
    g_string_append_printf (hex, "%02x", raw[i]);

  return g_string_free (hex, FALSE);
}

/* ------------------------------------------------------------------ tests */

/* SOCKS5 with authentication, plain HTTP, HTTPS; 64 MiB down and 32 MiB up
 * with a preshared key; then what /metrics, /uapi and /readyz say about it. */
static void
test_proxies (void)
{
  g_autoptr(Env) env = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *sections = NULL;
  g_autofree char *socks = NULL;
  g_autofree char *socks_bad = NULL;
  g_autofree char *http = NULL;
  g_autofree char *https = NULL;
  g_autofree char *base = NULL;
  g_autofree char *metrics = NULL;
  g_autofree char *uapi = NULL;
  g_autofree char *readyz = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *server_hex = NULL;
  g_autofree char *private_hex = NULL;
  guint16 socks_port, http_port, https_port;
  double value;

  if (!sy_test_wg_require_isolation ())
    return;

  env = env_new (TRUE);
  make_certificate (env, &cert, &key);
  socks_port = sy_test_find_free_port ("127.0.0.1");
  http_port = sy_test_find_free_port ("127.0.0.1");
  https_port = sy_test_find_free_port ("127.0.0.1");
  sections = g_strdup_printf ("[Socks5]\n"
                              "BindAddress = 127.0.0.1:%u\n"
                              "Username = alice\n"
                              "Password = s3cret\n"
                              "\n"
                              "[http]\n"
                              "BindAddress = 127.0.0.1:%u\n"
                              "\n"
                              "[http]\n"
                              "BindAddress = localhost:%u\n"
                              "CertFile = cert.pem\n"
                              "KeyFile = key.pem\n",
                              socks_port, http_port, https_port);
  env_write_config (env, NULL, sections);
  env_start (env, NULL, NULL);

  socks = g_strdup_printf ("socks5h://alice:s3cret@127.0.0.1:%u", socks_port);
  socks_bad = g_strdup_printf ("socks5h://alice:wrong@127.0.0.1:%u", socks_port);
  http = g_strdup_printf ("http://127.0.0.1:%u", http_port);
  https = g_strdup_printf ("https://127.0.0.1:%u", https_port);
  base = server_url (env->server, "");

  /* SOCKS5, the name passed on unresolved (--socks5-hostname). */
  {
    const char *args[] = { "-x", socks, NULL };

    assert_download (env, args, base, DOWNLOAD_SIZE);
  }
  {
    const char *args[] = { "--fail", "-x", socks_bad, base, NULL };

    g_assert_cmpint (sy_e2e_run_curl (args, NULL, NULL), !=, 0);
  }

  /* The HTTP proxy forwards an upload; CONNECT works as well. */
  {
    const char *forward[] = { "-x", http, NULL };
    const char *connect[] = { "-p", "-x", http, NULL };

    assert_upload (env, forward, UPLOAD_SIZE);
    assert_download (env, connect, base, 4 * 1024 * 1024);
  }

  /* HTTPS to the proxy itself (CertFile/KeyFile), both ways of asking. */
  {
    const char *forward[] = { "-x", https, "--proxy-insecure", NULL };
    const char *connect[] = { "-p", "-x", https, "--proxy-insecure", NULL };

    assert_download (env, forward, base, 8 * 1024 * 1024);
    assert_download (env, connect, base, 8 * 1024 * 1024);
  }
  {
    /* Plain HTTP to the TLS port gets nowhere. */
    g_autofree char *wrong = g_strdup_printf ("http://127.0.0.1:%u", https_port);
    const char *args[] = { "--fail", "--max-time", "15", "-x", wrong, base, NULL };

    g_assert_cmpint (sy_e2e_run_curl (args, NULL, NULL), !=, 0);
  }

  /* /metrics: the peer, the sessions and the bytes that just went by. */
  g_assert_cmpuint (health_get (env, "/metrics", &metrics), ==, 200);
  g_test_message ("/metrics:\n%s", metrics);
  g_assert_nonnull (strstr (metrics, "# TYPE switchyard_wireguard_peer_receive_bytes_total "
                                     "counter\n"));
  g_assert_nonnull (strstr (metrics, "# HELP switchyard_wireguard_peer_last_handshake_seconds "));
  g_assert_cmpfloat (peer_metric (metrics, "switchyard_wireguard_peer_receive_bytes_total",
                                  env->server), >=, DOWNLOAD_SIZE + 20 * 1024 * 1024);
  g_assert_cmpfloat (peer_metric (metrics, "switchyard_wireguard_peer_transmit_bytes_total",
                                  env->server), >=, UPLOAD_SIZE);
  g_assert_cmpfloat (peer_metric (metrics, "switchyard_wireguard_peer_handshakes_total",
                                  env->server), >=, 1);
  g_assert_cmpfloat (ABS (peer_metric (metrics, "switchyard_wireguard_peer_last_handshake_seconds",
                                       env->server) - g_get_real_time () / 1e6), <, 150);
  {
    g_autofree char *up = g_strdup_printf ("switchyard_wireguard_peer_state{profile=\"wireproxy\","
                                           "public_key=\"%s\",state=\"up\"}",
                                           sy_test_wg_server_get_public_key (env->server));
    g_assert_true (metric_value (metrics, up, &value));
    g_assert_cmpfloat (value, ==, 1);
  }
  g_assert_true (metric_value (metrics, "switchyard_sessions_total", &value));
  g_assert_cmpfloat (value, >=, 6);
  g_assert_true (metric_value (metrics, "switchyard_sessions_active", &value));
  g_assert_cmpfloat (value, ==, 0);
  g_assert_true (metric_value (metrics, "switchyard_traffic_bytes_total{direction=\"down\"}",
                               &value));
  g_assert_cmpfloat (value, >=, DOWNLOAD_SIZE + 20 * 1024 * 1024);
  g_assert_true (metric_value (metrics, "switchyard_traffic_bytes_total{direction=\"up\"}",
                               &value));
  g_assert_cmpfloat (value, >=, UPLOAD_SIZE);

  /* /uapi: wireproxy's old /metrics, keys redacted. */
  g_assert_cmpuint (health_get (env, "/uapi", &uapi), ==, 200);
  g_test_message ("/uapi:\n%s", uapi);
  server_hex = hex_of_base64 (sy_test_wg_server_get_public_key (env->server));
  private_hex = hex_of_base64 (env->client_private);
  g_assert_true (g_str_has_prefix (uapi, "private_key=REDACTED\nlisten_port="));
  expected = g_strdup_printf ("\npublic_key=%s\npreshared_key=REDACTED\nprotocol_version=1\n"
                              "endpoint=%s\n", server_hex,
                              sy_test_wg_server_get_endpoint (env->server));
  g_assert_nonnull (strstr (uapi, expected));
  g_assert_nonnull (strstr (uapi, "\nallowed_ip=10.77.0.0/24\nallowed_ip=fd77::/64\n"));
  g_assert_nonnull (strstr (uapi, "\npersistent_keepalive_interval=0\n"));
  g_assert_nonnull (strstr (uapi, "\nlast_handshake_time_nsec="));
  g_assert_null (strstr (uapi, private_hex));
  g_assert_null (strstr (uapi, env->client_private));
  g_assert_null (strstr (uapi, env->psk));

  /* No CheckAlive: always ready, an empty object. Paths are cleaned. */
  g_assert_cmpuint (health_get (env, "/readyz", &readyz), ==, 200);
  g_assert_cmpstr (readyz, ==, "{}\n");
  g_assert_cmpuint (health_get (env, "//readyz/", NULL), ==, 200);
  g_assert_cmpuint (health_get (env, "/nothing-here", NULL), ==, 404);

  env_stop (env);
}

/* TCPClientTunnel, TCPServerTunnel and UDPProxyTunnel in one process. */
static void
test_tunnels (void)
{
  g_autoptr(Env) env = NULL;
  g_autoptr(SyE2eHttpServer) local = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sections = NULL;
  g_autofree char *tunnel_base = NULL;
  guint16 client_port, udp_port;

  if (!sy_test_wg_require_isolation ())
    return;

  env = env_new (FALSE);
  local = sy_e2e_http_server_new (&error);
  g_assert_no_error (error);
  client_port = sy_test_find_free_port ("127.0.0.1");
  udp_port = sy_test_find_free_port ("127.0.0.1");
  sections = g_strdup_printf ("[TCPClientTunnel]\n"
                              "BindAddress = 127.0.0.1:%u\n"
                              "Target = %s:%u\n"
                              "\n"
                              "[TCPServerTunnel]\n"
                              "ListenPort = 3422\n"
                              "Target = localhost:%u\n"
                              "\n"
                              "[UDPProxyTunnel]\n"
                              "BindAddress = 127.0.0.1:%u\n"
                              "Target = %s:%u\n",
                              client_port, sy_test_wg_server_get_tunnel_address (env->server),
                              sy_test_wg_server_get_http_port (env->server),
                              sy_e2e_http_server_get_port (local),
                              udp_port, sy_test_wg_server_get_tunnel_address (env->server),
                              sy_test_wg_server_get_udp_echo_port (env->server));
  env_write_config (env, NULL, sections);
  env_start (env, NULL, NULL);

  /* A local port that is the server's HTTP service. */
  tunnel_base = url_for ("127.0.0.1", client_port, "");
  {
    const char *none[] = { "--noproxy", "*", NULL };

    assert_download (env, none, tunnel_base, 16 * 1024 * 1024);
  }

  /* A port inside the tunnel that is our local HTTP server: curl runs in
   * the server's namespace and connects to the client's tunnel address. */
  {
    const gsize size = 4 * 1024 * 1024;
    g_autofree char *path = g_strdup_printf ("/pattern/%" G_GSIZE_FORMAT, size);
    g_autofree char *url = url_for (sy_test_wg_server_get_client_address (env->server), 3422,
                                    path);
    const char *argv[] = { "curl", "-sS", "--fail", "--noproxy", "*", "--max-time", "30",
                           url, NULL };
    g_autofree char *body = NULL;
    g_autofree char *got = NULL;
    g_autofree char *expected = NULL;
    gsize length = 0;

    body = sy_test_wg_netns_run (sy_test_wg_server_get_netns (env->server), argv, NULL,
                                 &length, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (length, ==, size);
    got = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) body, length);
    expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256, sy_e2e_pattern (size), size);
    g_assert_cmpstr (got, ==, expected);
  }

  /* Datagrams to the UDP echo behind the tunnel, and their echoes back. */
  {
    g_autoptr(GSocket) socket = NULL;
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) target = g_inet_socket_address_new (loopback, udp_port);
    const gsize sizes[] = { 1, 512, 1300 };

    socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                           G_SOCKET_PROTOCOL_UDP, &error);
    g_assert_no_error (error);
    g_socket_set_timeout (socket, 3);

    for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
      {
        g_autofree guint8 *datagram = g_malloc (sizes[i]);
        guint8 reply[2048];
        gssize n = -1;

        for (gsize j = 0; j < sizes[i]; j++)
          datagram[j] = (guint8) (i * 31 + j);

        /* UDP may lose the very first datagram while the handshake runs;
         * a few tries, as any UDP client makes. */
        for (guint attempt = 0; attempt < 4 && n < 0; attempt++)
          {
            g_clear_error (&error);
            g_socket_send_to (socket, target, (const char *) datagram, sizes[i], NULL, &error);
            g_assert_no_error (error);
            n = g_socket_receive (socket, (char *) reply, sizeof reply, NULL, &error);
          }
        g_assert_no_error (error);
        g_assert_cmpmem (reply, n, datagram, sizes[i]);
      }
  }

  env_stop (env);
}

static void
die_with_test (gpointer user_data)
{
  /* Nothing outlives a test that aborts. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* [STDIOTunnel]: standard input and output are one connection through the
 * tunnel, as with `ProxyCommand switchyardd -c …` in ssh. */
static void
test_stdio_tunnel (void)
{
  g_autoptr(Env) env = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autofree char *sections = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *got = NULL;
  g_autofree char *err = NULL;
  const gsize size = 8 * 1024 * 1024;
  const char *data;
  const char *body;
  gsize length;

  if (!sy_test_wg_require_isolation ())
    return;

  env = env_new (FALSE);
  sections = g_strdup_printf ("[STDIOTunnel]\nTarget = %s:%u\n",
                              sy_test_wg_server_get_tunnel_address (env->server),
                              sy_test_wg_server_get_http_port (env->server));
  env_write_config (env, NULL, sections);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_test, NULL, NULL);
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("SWITCHYARDD"),
                                         "-c", env->config_path, NULL);
  g_assert_no_error (error);

  /* An HTTP/1.0 request: the server closes when it has answered, which
   * ends the tunnel's way back, which closes our standard output. */
  text = g_strdup_printf ("GET /bytes/%" G_GSIZE_FORMAT " HTTP/1.0\r\nHost: wg\r\n\r\n", size);
  {
    GOutputStream *in = g_subprocess_get_stdin_pipe (process);
    GInputStream *out = g_subprocess_get_stdout_pipe (process);
    g_autoptr(GOutputStream) collected = g_memory_output_stream_new_resizable ();

    g_output_stream_write_all (in, text, strlen (text), NULL, NULL, &error);
    g_assert_no_error (error);
    /* Standard input stays open, as ssh keeps it: the end must come from
     * the server's side. */
    g_output_stream_splice (collected, out, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
    g_assert_no_error (error);
    response = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (collected));
    g_output_stream_close (in, NULL, NULL);
  }

  data = g_bytes_get_data (response, &length);
  g_test_message ("%" G_GSIZE_FORMAT " bytes on stdout, starting %.*s", length,
                  (int) MIN (length, 40), data);
  /* The server speaks HTTP/1.1, and closes as a 1.0 request asks. */
  g_assert_true (length > 12 && memcmp (data, "HTTP/1.1 200", 12) == 0);
  body = g_strstr_len (data, MIN (length, 4096), "\r\n\r\n");
  g_assert_nonnull (body);
  body += 4;
  g_assert_cmpuint (length - (body - data), ==, size);
  got = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) body,
                                     length - (body - data));
  expected = sy_test_wg_bytes_sha256 (size);
  g_assert_cmpstr (got, ==, expected);

  /* wireproxy keeps running after the tunnel ends; so do we, until told. */
  g_usleep (500 * 1000);
  g_assert_nonnull (g_subprocess_get_identifier (process));
  g_subprocess_send_signal (process, SIGHUP);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);

  /* The log went to stderr, nothing but the reply to stdout. */
  {
    GInputStream *stderr_pipe = g_subprocess_get_stderr_pipe (process);
    g_autoptr(GBytes) log = g_input_stream_read_bytes (stderr_pipe, 65536, NULL, NULL);

    err = g_strndup (g_bytes_get_data (log, NULL), g_bytes_get_size (log));
    g_assert_nonnull (strstr (err, "Ready: "));
  }
}

/* DNS= through the tunnel, and [Resolve] ResolveStrategy deciding which
 * family a name with both is reached over. */
static void
test_dns_and_resolve_strategy (void)
{
  g_autoptr(Env) env = NULL;
  const char *strategies[] = { "ipv4", "ipv6" };

  if (!sy_test_wg_require_isolation ())
    return;

  env = env_new (FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (strategies); i++)
    {
      g_autofree char *interface_extra = NULL;
      g_autofree char *sections = NULL;
      g_autofree char *socks = NULL;
      g_autofree char *url = NULL;
      g_autofree char *url_ip = NULL;
      g_autofree char *url_v6only = NULL;
      g_autofree char *url_missing = NULL;
      g_autofree char *hello = NULL;
      g_autofree char *ip = NULL;
      g_autofree char *expected_ip = NULL;
      guint16 socks_port = sy_test_find_free_port ("127.0.0.1");
      guint16 http = sy_test_wg_server_get_http_port (env->server);

      /* Both families inside the tunnel, the DNS server at the server's
       * IPv4 tunnel address. */
      env->ipv6 = TRUE;
      interface_extra = g_strdup_printf ("DNS = %s\n",
                                         sy_test_wg_server_get_tunnel_address (env->server));
      sections = g_strdup_printf ("[Socks5]\nBindAddress = 127.0.0.1:%u\n\n"
                                  "[Resolve]\nResolveStrategy = %s\n",
                                  socks_port, strategies[i]);
      env_write_config (env, interface_extra, sections);
      env_start (env, NULL, NULL);

      socks = g_strdup_printf ("socks5h://127.0.0.1:%u", socks_port);
      url = url_for ("web.wg.test", http, "/");
      url_ip = url_for ("web.wg.test", http, "/ip");
      url_v6only = url_for ("ipv6.wg.test", http, "/ip");
      url_missing = url_for ("missing.wg.test", http, "/");

      {
        const char *args[] = { "--fail", "-x", socks, url, NULL };

        hello = curl_ok (args);
        g_assert_cmpstr (hello, ==, "hello from wg-server-0\n");
      }
      {
        /* The server sees the client's address of the family chosen. */
        const char *args[] = { "--fail", "-x", socks, url_ip, NULL };

        ip = curl_ok (args);
        expected_ip = g_strdup_printf ("%s\n", i == 0
                                       ? sy_test_wg_server_get_client_address (env->server)
                                       : sy_test_wg_server_get_client_address6 (env->server));
        g_assert_cmpstr (ip, ==, expected_ip);
      }
      {
        /* A name with one family only is reached whatever the strategy. */
        const char *args[] = { "--fail", "-x", socks, url_v6only, NULL };
        g_autofree char *v6 = curl_ok (args);
        g_autofree char *expected_v6 = g_strdup_printf
          ("%s\n", sy_test_wg_server_get_client_address6 (env->server));

        g_assert_cmpstr (v6, ==, expected_v6);
      }
      {
        const char *args[] = { "--fail", "--max-time", "20", "-x", socks, url_missing, NULL };

        g_assert_cmpint (sy_e2e_run_curl (args, NULL, NULL), !=, 0);
      }

      env_stop (env);
    }
}

static gboolean
wait_for_readyz (Env     *env,
                 guint    status,
                 guint    timeout_s,
                 char   **body)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *text = NULL;

      if (health_get (env, "/readyz", &text) == status)
        {
          if (body != NULL)
            *body = g_steal_pointer (&text);
          return TRUE;
        }
      g_usleep (200 * 1000);
    }

  return FALSE;
}

/* CheckAlive and /readyz: not ready before the first reply, ready while
 * replies come, not ready within interval + 2 s of the server going away,
 * ready again once it is back — and traffic flows again, all in the same
 * switchyardd. */
static void
test_readyz (void)
{
  g_autoptr(Env) env = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *interface_extra = NULL;
  g_autofree char *sections = NULL;
  g_autofree char *body = NULL;
  g_autofree char *metrics = NULL;
  g_autofree char *socks = NULL;
  g_autofree char *base = NULL;
  const char *tunnel;
  guint16 socks_port;
  GPid pid;
  gint64 stopped, pong;
  double value;

  if (!sy_test_wg_require_isolation ())
    return;

  env = env_new (FALSE);
  tunnel = sy_test_wg_server_get_tunnel_address (env->server);
  socks_port = sy_test_find_free_port ("127.0.0.1");
  socks = g_strdup_printf ("socks5h://127.0.0.1:%u", socks_port);
  base = server_url (env->server, "");
  sections = g_strdup_printf ("[Socks5]\nBindAddress = 127.0.0.1:%u\n", socks_port);

  /* An address nobody answers: 503, with 0 for it. */
  interface_extra = g_strdup_printf ("CheckAlive = %s, 10.77.0.99\nCheckAliveInterval = 1\n",
                                     tunnel);
  env_write_config (env, interface_extra, sections);
  env_start (env, NULL, NULL);
  g_assert_true (wait_for_readyz (env, 503, 10, &body));
  {
    /* Sorted keys, as Go's encoding/json writes a map. */
    g_autofree char *prefix = g_strdup_printf ("{\"%s\":", tunnel);

    g_assert_true (g_str_has_prefix (body, prefix));
    g_assert_true (g_str_has_suffix (body, ",\"10.77.0.99\":0}\n"));
  }
  env_stop (env);
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&interface_extra, g_free);

  /* One address that answers. */
  interface_extra = g_strdup_printf ("CheckAlive = %s\nCheckAliveInterval = 1\n", tunnel);
  env_write_config (env, interface_extra, sections);
  env_start (env, NULL, NULL);
  pid = sy_test_process_get_pid (env->switchyardd);
  g_assert_true (wait_for_readyz (env, 200, 15, &body));
  {
    g_autofree char *prefix = g_strdup_printf ("{\"%s\":", tunnel);
    char *end = NULL;

    g_assert_true (g_str_has_prefix (body, prefix));
    pong = g_ascii_strtoll (body + strlen (prefix), &end, 10);
    g_assert_cmpstr (end, ==, "}\n");
    g_assert_cmpint (ABS (g_get_real_time () / G_USEC_PER_SEC - pong), <=, 3);
  }
  g_assert_cmpuint (health_get (env, "/metrics", &metrics), ==, 200);
  g_assert_true (metric_value (metrics, "switchyard_ready", &value));
  g_assert_cmpfloat (value, ==, 1);

  /* The server goes away: not ready within CheckAliveInterval + 2 s (and
   * a little for the poll). */
  sy_test_wg_server_stop (env->server, &error);
  g_assert_no_error (error);
  stopped = g_get_monotonic_time ();
  g_assert_true (wait_for_readyz (env, 503, 8, NULL));
  g_test_message ("503 after %.1f s", (g_get_monotonic_time () - stopped) / 1e6);
  /* The last reply came at most 1 s before the stop and is kept in whole
   * seconds, so the 3 s tolerance cannot run out sooner than 1 s later. */
  g_assert_cmpint (g_get_monotonic_time () - stopped, >=, 1 * G_USEC_PER_SEC);

  /* Back: the client finds it has to handshake again (no replies to its
   * pings), and we are ready without a restart. */
  sy_test_wg_server_start (env->server, &error);
  g_assert_no_error (error);
  stopped = g_get_monotonic_time ();
  g_assert_true (wait_for_readyz (env, 200, 60, NULL));
  g_test_message ("200 again %.1f s after the restart", (g_get_monotonic_time () - stopped) / 1e6);
  {
    const char *args[] = { "-x", socks, NULL };

    assert_download (env, args, base, 8 * 1024 * 1024);
  }
  g_assert_cmpint (sy_test_process_get_pid (env->switchyardd), ==, pid);
  g_assert_true (sy_test_process_is_running (env->switchyardd));

  env_stop (env);
}

/* Several rekeys during one transfer, with the timers shortened through
 * the test-only SWITCHYARD_TEST_WG_TIMINGS. */
static void
test_rekey (void)
{
  g_autoptr(Env) env = NULL;
  g_autofree char *sections = NULL;
  g_autofree char *socks = NULL;
  g_autofree char *base = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  guint16 socks_port;
  double handshakes_before, handshakes_after;
  const char *extra_env[] = {
    "SWITCHYARD_TEST=1",
    "SWITCHYARD_TEST_WG_TIMINGS=rekey_after_time_ms=2000,reject_after_time_ms=6000,"
    "keepalive_timeout_ms=1000,rekey_timeout_ms=1000",
    NULL
  };

  if (!sy_test_wg_require_isolation ())
    return;

  env = env_new (TRUE);
  socks_port = sy_test_find_free_port ("127.0.0.1");
  sections = g_strdup_printf ("[Socks5]\nBindAddress = 127.0.0.1:%u\n", socks_port);
  env_write_config (env, NULL, sections);
  env_start (env, NULL, extra_env);
  g_assert_cmpint (sy_test_process_wait_output (env->switchyardd, 0, "timers shortened", 0),
                   >=, 0);

  socks = g_strdup_printf ("socks5h://127.0.0.1:%u", socks_port);
  base = server_url (env->server, "");
  {
    const char *args[] = { "-x", socks, NULL };

    assert_download (env, args, base, 1024 * 1024);
  }
  g_assert_cmpuint (health_get (env, "/metrics", &before), ==, 200);
  handshakes_before = peer_metric (before, "switchyard_wireguard_peer_handshakes_total",
                                   env->server);

  /* About 16 s at 4 MiB/s: a new session every 2 s while data flows, each
   * one the old must hand over to without losing or repeating a byte. */
  {
    const char *args[] = { "-x", socks, "--limit-rate", "4M", NULL };

    assert_download (env, args, base, 64 * 1024 * 1024);
  }
  g_assert_cmpuint (health_get (env, "/metrics", &after), ==, 200);
  handshakes_after = peer_metric (after, "switchyard_wireguard_peer_handshakes_total",
                                  env->server);
  g_test_message ("handshakes during the transfer: %.0f", handshakes_after - handshakes_before);
  g_assert_cmpfloat (handshakes_after - handshakes_before, >=, 4);

  env_stop (env);
}

/* Two servers, one [Peer] each: AllowedIPs pick which one a connection
 * goes to. */
static void
test_two_peers (void)
{
  g_autoptr(Env) env = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sections = NULL;
  g_autofree char *socks = NULL;
  g_autofree char *uapi = NULL;
  g_autofree char *metrics = NULL;
  g_autofree char *route_to = NULL;
  guint16 socks_port;

  if (!sy_test_wg_require_isolation ())
    return;

  env = env_new (FALSE);
  env->server2 = sy_test_wg_server_new (1, env->client_public, NULL, &error);
  g_assert_no_error (error);

  /* The client has one tunnel address, 10.77.0.2; the second server must
   * accept it from us and route its answers back into its tunnel. */
  sy_test_wg_server_add_peer (env->server2, env->client_public,
                              sy_test_wg_server_get_client_address (env->server), &error);
  g_assert_no_error (error);
  route_to = g_strdup_printf ("%s/32", sy_test_wg_server_get_client_address (env->server));
  {
    const char *argv[] = { "ip", "route", "add", route_to, "dev",
                           sy_test_wg_server_get_interface (env->server2), NULL };
    g_free (sy_test_wg_server_run (env->server2, argv, &error));
    g_assert_no_error (error);
  }

  socks_port = sy_test_find_free_port ("127.0.0.1");
  sections = g_strdup_printf ("[Peer]\n"
                              "PublicKey = %s\n"
                              "Endpoint = %s\n"
                              "AllowedIPs = 10.77.1.0/24\n"
                              "\n"
                              "[Socks5]\n"
                              "BindAddress = 127.0.0.1:%u\n",
                              sy_test_wg_server_get_public_key (env->server2),
                              sy_test_wg_server_get_endpoint (env->server2),
                              socks_port);
  env_write_config (env, NULL, sections);
  env_start (env, NULL, NULL);
  socks = g_strdup_printf ("socks5h://127.0.0.1:%u", socks_port);

  for (guint round = 0; round < 2; round++)
    {
      SyTestWgServer *servers[] = { env->server, env->server2 };

      for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
        {
          g_autofree char *url = server_url (servers[i], "/");
          g_autofree char *expected = g_strdup_printf ("hello from wg-server-%u\n", i);
          const char *args[] = { "--fail", "-x", socks, url, NULL };
          g_autofree char *hello = curl_ok (args);

          g_assert_cmpstr (hello, ==, expected);
        }
    }
  {
    const char *args[] = { "-x", socks, NULL };
    g_autofree char *base = server_url (env->server2, "");

    assert_download (env, args, base, 8 * 1024 * 1024);
  }

  /* Each server completed a handshake with us, and each peer moved bytes. */
  g_assert_cmpint (sy_test_wg_server_get_last_handshake (env->server), >, 0);
  g_assert_cmpint (sy_test_wg_server_get_last_handshake (env->server2), >, 0);
  g_assert_cmpuint (health_get (env, "/metrics", &metrics), ==, 200);
  g_assert_cmpfloat (peer_metric (metrics, "switchyard_wireguard_peer_handshakes_total",
                                  env->server), >=, 1);
  g_assert_cmpfloat (peer_metric (metrics, "switchyard_wireguard_peer_handshakes_total",
                                  env->server2), >=, 1);
  g_assert_cmpfloat (peer_metric (metrics, "switchyard_wireguard_peer_receive_bytes_total",
                                  env->server2), >=, 8 * 1024 * 1024);
  g_assert_cmpfloat (peer_metric (metrics, "switchyard_wireguard_peer_receive_bytes_total",
                                  env->server), <, 8 * 1024 * 1024);
  g_assert_cmpuint (health_get (env, "/uapi", &uapi), ==, 200);
  {
    g_autofree char *hex2 = hex_of_base64 (sy_test_wg_server_get_public_key (env->server2));
    g_autofree char *peer2 = g_strdup_printf ("public_key=%s\n", hex2);
    const char *second = strstr (uapi, peer2);

    g_assert_nonnull (second);
    g_assert_nonnull (strstr (second, "\nallowed_ip=10.77.1.0/24\n"));
  }

  env_stop (env);
}

/* Answers every GET, over TLS, with the name the ClientHello asked for. */
static const char https_server_py[] =
  "import http.server, socketserver, ssl, sys\n"
  "class Handler(http.server.BaseHTTPRequestHandler):\n"
  "    def do_GET(self):\n"
  "        body = ('hello over TLS to %s\\n' % getattr(self.request, 'sni', None)).encode()\n"
  "        self.send_response(200)\n"
  "        self.send_header('Content-Length', str(len(body)))\n"
  "        self.end_headers()\n"
  "        self.wfile.write(body)\n"
  "class Server(http.server.ThreadingHTTPServer):\n"
  "    def server_bind(self):\n"
  "        socketserver.TCPServer.server_bind(self)\n"
  "        self.server_name, self.server_port = 'tls', 443\n"
  "context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
  "context.load_cert_chain(sys.argv[1], sys.argv[2])\n"
  "context.sni_callback = lambda sock, name, ctx: setattr(sock, 'sni', name)\n"
  "server = Server(('', 443), Handler)\n"
  "server.socket = context.wrap_socket(server.socket, server_side=True)\n"
  "server.serve_forever()\n";

/* [SNI]: TLS passed through unopened to port 443 of the name the client
 * asked for, resolved through the tunnel's DNS. */
static void
test_sni (void)
{
  g_autoptr(Env) env = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyTestProcess) tls_server = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *interface_extra = NULL;
  g_autofree char *sections = NULL;
  g_autofree char *resolve = NULL;
  g_autofree char *url = NULL;
  g_autofree char *page = NULL;
  guint16 sni_port;

  if (!sy_test_wg_require_isolation ())
    return;

  env = env_new (FALSE);
  make_certificate (env, &cert, &key);

  /* An HTTPS server on port 443 of the server's namespace. */
  {
    const char *argv[] = { "ip", "netns", "exec", sy_test_wg_server_get_netns (env->server),
                           "python3", "-c", https_server_py, cert, key, NULL };

    tls_server = sy_test_process_spawn ("https-server", env->dir, argv, NULL, &error);
    g_assert_no_error (error);
  }

  sni_port = sy_test_find_free_port ("127.0.0.1");
  interface_extra = g_strdup_printf ("DNS = %s\n", sy_test_wg_server_get_tunnel_address (env->server));
  sections = g_strdup_printf ("[SNI]\nBindAddress = 127.0.0.1:%u\n", sni_port);
  env_write_config (env, interface_extra, sections);
  env_start (env, NULL, NULL);

  /* curl sends the name in its ClientHello; the certificate is the test's
   * own, so -k. The server's answer proves the bytes went both ways. */
  resolve = g_strdup_printf ("web.wg.test:%u:127.0.0.1", sni_port);
  url = g_strdup_printf ("https://web.wg.test:%u/", sni_port);
  for (guint attempt = 0; attempt < 50; attempt++)
    {
      const char *args[] = { "--fail", "-k", "--noproxy", "*", "--resolve", resolve, url, NULL };

      g_clear_pointer (&page, g_free);
      if (sy_e2e_run_curl (args, &page, NULL) == 0)
        break;
      /* the server may still be starting */
      g_usleep (200 * 1000);
    }
  g_assert_cmpstr (page, ==, "hello over TLS to web.wg.test\n");

  /* An IP address in the URL: curl sends no SNI, nowhere to go. */
  {
    g_autofree char *by_ip = g_strdup_printf ("https://127.0.0.1:%u/", sni_port);
    const char *args[] = { "--fail", "-k", "--noproxy", "*", "--max-time", "15", by_ip, NULL };

    g_assert_cmpint (sy_e2e_run_curl (args, NULL, NULL), !=, 0);
  }

  env_stop (env);
}

/* -d: back in the shell once the proxy runs; -s: nothing said on the way. */
static void
test_daemon (void)
{
  g_autoptr(Env) env = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) blocker = NULL;
  g_autofree char *sections = NULL;
  g_autofree char *socks = NULL;
  g_autofree char *base = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *info = NULL;
  GPid daemon = 0;
  guint16 socks_port;
  int wait_status;

  if (!sy_test_wg_require_isolation ())
    return;

  env = env_new (FALSE);
  socks_port = sy_test_find_free_port ("127.0.0.1");
  sections = g_strdup_printf ("[Socks5]\nBindAddress = 127.0.0.1:%u\n", socks_port);
  env_write_config (env, NULL, sections);
  info = g_strdup_printf ("127.0.0.1:%u", sy_test_find_free_port ("127.0.0.1"));

  {
    const char *argv[] = { g_getenv ("SWITCHYARDD"), "-d", "-s", "-c", env->config_path,
                           "-i", info, NULL };

    g_spawn_sync (env->dir, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                  &out, &err, &wait_status, &error);
    g_assert_no_error (error);
    g_spawn_check_wait_status (wait_status, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (out, ==, "");
    g_assert_cmpstr (err, ==, "");
  }

  /* The background copy, found by its command line. */
  {
    g_autoptr(GDir) proc = g_dir_open ("/proc", 0, &error);
    const char *name;

    g_assert_no_error (error);
    while ((name = g_dir_read_name (proc)) != NULL && daemon == 0)
      {
        g_autofree char *path = g_build_filename ("/proc", name, "cmdline", NULL);
        g_autofree char *cmdline = NULL;
        gsize length = 0;

        if (!g_ascii_isdigit (name[0]) ||
            !g_file_get_contents (path, &cmdline, &length, NULL))
          continue;
        for (gsize i = 0; i + 1 < length; i++)
          if (cmdline[i] == '\0')
            cmdline[i] = ' ';
        if (strstr (cmdline, "--daemon-ready-fd") != NULL &&
            strstr (cmdline, env->config_path) != NULL)
          daemon = atoi (name);
      }
  }
  g_assert_cmpint (daemon, >, 0);
  /* A session of its own: closing the terminal does not reach it. */
  g_assert_cmpint (getsid (daemon), ==, daemon);

  socks = g_strdup_printf ("socks5h://127.0.0.1:%u", socks_port);
  base = server_url (env->server, "");
  {
    const char *args[] = { "-x", socks, NULL };

    assert_download (env, args, base, 4 * 1024 * 1024);
  }
  env->health_port = atoi (strchr (info, ':') + 1);
  g_assert_cmpuint (health_get (env, "/readyz", NULL), ==, 200);

  g_assert_no_errno (kill (daemon, SIGTERM));
  for (guint i = 0; i < 100 && kill (daemon, 0) == 0; i++)
    g_usleep (100 * 1000);
  g_assert_cmpint (kill (daemon, 0), !=, 0);

  /* A copy that cannot start makes -d fail, and says why. */
  blocker = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                          &error);
  g_assert_no_error (error);
  {
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, socks_port);
    const char *argv[] = { g_getenv ("SWITCHYARDD"), "-d", "-c", env->config_path, NULL };
    g_autofree char *out2 = NULL;
    g_autofree char *err2 = NULL;
    g_autofree char *port_text = g_strdup_printf ("%u", socks_port);

    g_socket_bind (blocker, address, FALSE, &error);
    g_assert_no_error (error);
    g_socket_listen (blocker, &error);
    g_assert_no_error (error);

    g_spawn_sync (env->dir, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                  &out2, &err2, &wait_status, &error);
    g_assert_no_error (error);
    g_assert_true (WIFEXITED (wait_status));
    g_assert_cmpint (WEXITSTATUS (wait_status), ==, 1);
    g_assert_nonnull (strstr (err2, port_text));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *reason = NULL;

  /* Before anything can start a thread. */
  if (!sy_test_wg_isolate (&reason))
    g_printerr ("# WireGuard end-to-end tests cannot run here: %s\n", reason);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wireguard/e2e/proxies", test_proxies);
  g_test_add_func ("/wireguard/e2e/tunnels", test_tunnels);
  g_test_add_func ("/wireguard/e2e/stdio-tunnel", test_stdio_tunnel);
  g_test_add_func ("/wireguard/e2e/dns-resolve-strategy", test_dns_and_resolve_strategy);
  g_test_add_func ("/wireguard/e2e/readyz", test_readyz);
  g_test_add_func ("/wireguard/e2e/rekey", test_rekey);
  g_test_add_func ("/wireguard/e2e/two-peers", test_two_peers);
  g_test_add_func ("/wireguard/e2e/sni", test_sni);
  g_test_add_func ("/wireguard/e2e/daemon", test_daemon);

  return g_test_run ();
}
