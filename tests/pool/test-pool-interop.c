/* test-pool-interop.c — a pool of two real microsocks upstreams
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both upstreams require RFC 1929 username/password. An in-process
 * SoupServer is both the health check target and the destination of dials.
 * The health configuration runs on a compressed clock: one configured
 * second is 100 ms, so checks come every 200 ms and the back-off starts at
 * 100 ms.
 */

#include "config.h"

#include <signal.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <libsoup/soup.h>

#include "outbound/sy-direct-outbound.h"
#include "pool/sy-pool-private.h"
#include "util/sy-error.h"
#include "sy-test-peers.h"

#define TIME_UNIT_US   100000   /* one configured "second" */
#define WAIT_LIMIT_S   20       /* a hang guard, not a timing assertion */
#define USERNAME       "switchyard"
#define PASSWORD_A     "secret-of-a"
#define PASSWORD_B     "secret-of-b"

/* ---- waiting on the main context ------------------------------------- */

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

#define WAIT_UNTIL(expr)                                                    \
  G_STMT_START {                                                            \
    gboolean expired_ = FALSE;                                              \
    guint guard_ = g_timeout_add_seconds (WAIT_LIMIT_S, set_flag, &expired_); \
    while (!(expr) && !expired_)                                            \
      g_main_context_iteration (NULL, TRUE);                                \
    if (!(expr))                                                            \
      g_error ("still waiting for %s after %d s", #expr, WAIT_LIMIT_S);     \
    if (!expired_)                                                          \
      g_source_remove (guard_);                                             \
  } G_STMT_END

/* ---- microsocks ------------------------------------------------------ */

static SyTestPeer *
start_microsocks (const char *password)
{
  g_autoptr(GError) error = NULL;
  SyTestPeer *peer;

  /* The preloaded shim lets a killed microsocks bind its port again while
   * connections it closed linger in TIME_WAIT (see reuseaddr-preload.c). */
  peer = sy_test_peer_start_microsocks_full (0, USERNAME, password, SY_TEST_REUSEADDR_PRELOAD,
                                             &error);
  g_assert_no_error (error);
  return peer;
}

/* Kills it the way a crash would and waits until it is gone. */
static void
peer_kill (SyTestPeer *peer)
{
  sy_test_peer_signal (peer, SIGKILL);
  g_assert_cmpint (sy_test_peer_wait (peer, WAIT_LIMIT_S * 1000), !=, -1);
}

/* Starts a killed one again on its port and blocks until it accepts
 * connections. */
static void
peer_restart (SyTestPeer *peer)
{
  g_autoptr(GError) error = NULL;

  sy_test_peer_restart (peer, &error);
  g_assert_no_error (error);
}

/* ---- the HTTP server ------------------------------------------------- */

static void
server_cb (SoupServer        *server,
           SoupServerMessage *message,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  if (g_str_equal (path, "/health"))
    {
      soup_server_message_set_status (message, SOUP_STATUS_NO_CONTENT, NULL);
    }
  else if (g_str_equal (path, "/broken"))
    {
      soup_server_message_set_status (message, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
    }
  else
    {
      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (message, "text/plain", SOUP_MEMORY_STATIC, "hello", 5);
    }
}

/* A test CA and a certificate it issued for 127.0.0.1 / localhost, valid
 * from 2000 to 2100 (P-256; made with openssl for these tests only). */
static const char test_ca_pem[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBbzCCARSgAwIBAgICEAAwCgYIKoZIzj0EAwIwHTEbMBkGA1UEAwwSU3dpdGNo\n"
  "eWFyZCB0ZXN0IENBMCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAwMDAwWjAd\n"
  "MRswGQYDVQQDDBJTd2l0Y2h5YXJkIHRlc3QgQ0EwWTATBgcqhkjOPQIBBggqhkjO\n"
  "PQMBBwNCAASq/Wg/e0vsFJE/+doCyDmQexhpZzyK56NWUcT8Mwy1bw37KoFwDWPV\n"
  "/c82rtgleNpp2kT/qN4W+5AQ/UcexVBOo0IwQDAPBgNVHRMBAf8EBTADAQH/MA4G\n"
  "A1UdDwEB/wQEAwIBBjAdBgNVHQ4EFgQUqqf6XB9+eWuV64ljkWh7BAC7GeYwCgYI\n"
  "KoZIzj0EAwIDSQAwRgIhAPRYbMVVFm2ywzTH8EK9Tps5rSJiOs0tWsZAdQ3IzzfU\n"
  "AiEAwcHD9CEA5AVAUsGrxV05l5q0Cxe6D+B4KhwhbOxyK4Q=\n"
  "-----END CERTIFICATE-----\n";

static const char test_server_pem[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBtDCCAVmgAwIBAgICEAEwCgYIKoZIzj0EAwIwHTEbMBkGA1UEAwwSU3dpdGNo\n"
  "eWFyZCB0ZXN0IENBMCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAwMDAwWjAU\n"
  "MRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQS\n"
  "KHz5smb9+aKQfi5u52z72ioDZO4Vetxsd2RIEUqWTfdTx2qQBf00+efIUGyQzInW\n"
  "XSrbLDFARml2FOVR+92Jo4GPMIGMMBoGA1UdEQQTMBGHBH8AAAGCCWxvY2FsaG9z\n"
  "dDAJBgNVHRMEAjAAMBMGA1UdJQQMMAoGCCsGAQUFBwMBMA4GA1UdDwEB/wQEAwIH\n"
  "gDAdBgNVHQ4EFgQUM57d3aJMFIYatSTVeqKam78J1EswHwYDVR0jBBgwFoAUqqf6\n"
  "XB9+eWuV64ljkWh7BAC7GeYwCgYIKoZIzj0EAwIDSQAwRgIhAM9kdcD8I4dpn7Pd\n"
  "y35VefTOgH1mSrLeDJkiNgmMvhN1AiEAsa8llFS6eRRYszPgWw6r2+JiJXh3uy3S\n"
  "YJMkMIy+rJQ=\n"
  "-----END CERTIFICATE-----\n"
  "-----BEGIN PRIVATE KEY-----\n"
  "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgnhzOJN76pg4wfb+j\n"
  "1/QjuVF7kXIXIu2JtZgKt6N+ImChRANCAAQSKHz5smb9+aKQfi5u52z72ioDZO4V\n"
  "etxsd2RIEUqWTfdTx2qQBf00+efIUGyQzInWXSrbLDFARml2FOVR+92J\n"
  "-----END PRIVATE KEY-----\n";

/* ---- fixture ----------------------------------------------------------- */

typedef struct
{
  SoupServer   *server;
  guint16       http_port;
  SyTestPeer   *a;
  SyTestPeer   *b;
  SyPoolConfig *config;
  SyPool       *pool;
} Fixture;

static SyUpstreamConfig *
upstream_config (const char *name,
                 SyTestPeer *peer,
                 const char *password)
{
  SyUpstreamConfig *config = sy_upstream_config_new ();

  config->name = g_strdup (name);
  config->kind = SY_UPSTREAM_KIND_SOCKS5;
  config->host = g_strdup ("127.0.0.1");
  config->port = sy_test_peer_get_port (peer);
  config->username = g_strdup (USERNAME);
  config->password = g_strdup (password);
  return config;
}

static void
fixture_build_pool (Fixture        *fixture,
                    SyPoolStrategy  strategy)
{
  g_autoptr(SyOutbound) direct = sy_direct_outbound_new ("direct");
  SyPoolConfig *config = fixture->config;

  g_clear_object (&fixture->pool);
  config->strategy = strategy;
  fixture->pool = sy_pool_new (config, direct);
  sy_pool_set_time_unit (fixture->pool, TIME_UNIT_US);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;
  SyPoolConfig *config;

  fixture->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fixture->server, NULL, server_cb, NULL, NULL);
  soup_server_listen_local (fixture->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (fixture->server);
  fixture->http_port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  fixture->a = start_microsocks (PASSWORD_A);
  fixture->b = start_microsocks (PASSWORD_B);

  config = sy_pool_config_new ("interop");
  g_free (config->health.url);
  config->health.url = g_strdup_printf ("http://127.0.0.1:%u/health", fixture->http_port);
  config->health.interval_s = 2;          /* 200 ms */
  config->health.timeout_ms = 3000;
  config->health.fail_threshold = 2;
  config->health.fail_window_s = 100;     /* 10 s */
  config->health.recover_threshold = 2;
  config->health.backoff_initial_s = 1;   /* 100 ms */
  config->health.backoff_max_s = 4;       /* 400 ms */
  config->health.latency_samples = 3;
  config->max_attempts = 3;
  g_ptr_array_add (config->upstreams, upstream_config ("a", fixture->a, PASSWORD_A));
  g_ptr_array_add (config->upstreams, upstream_config ("b", fixture->b, PASSWORD_B));
  fixture->config = config;

  fixture_build_pool (fixture, SY_POOL_STRATEGY_FAILOVER);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gpointer pool = fixture->pool;

  /* Stopping cancels the checks in flight; once they are done nothing may
   * hold the pool any more. */
  g_object_add_weak_pointer (pool, &pool);
  sy_pool_stop_health_checks (fixture->pool);
  g_clear_object (&fixture->pool);
  WAIT_UNTIL (pool == NULL);
  g_clear_pointer (&fixture->config, sy_pool_config_free);
  g_clear_pointer (&fixture->a, sy_test_peer_stop);
  g_clear_pointer (&fixture->b, sy_test_peer_stop);
  soup_server_disconnect (fixture->server);
  g_clear_object (&fixture->server);

  /* Let cancelled operations finish before the next test. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ---- async helpers ----------------------------------------------------- */

typedef struct
{
  gboolean   done;
  GIOStream *stream;
  GError    *error;
  gint64     latency;
  gsize      written;
  gssize     read;
} Op;

static void
dial_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Op *op = user_data;

  op->stream = sy_outbound_dial_finish (SY_OUTBOUND (source), result, &op->error);
  op->done = TRUE;
}

static GIOStream *
pool_dial (Fixture     *fixture,
           SySession   *session,
           const char  *host,
           guint16      port,
           GError     **error)
{
  Op op = { 0 };

  sy_outbound_dial_async (SY_OUTBOUND (fixture->pool), session, host, port, NULL, dial_cb, &op);
  WAIT_UNTIL (op.done);
  if (op.error != NULL)
    g_propagate_error (error, op.error);
  return op.stream;
}

static void
write_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Op *op = user_data;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &op->written, &op->error);
  op->done = TRUE;
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Op *op = user_data;

  op->read = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &op->error);
  op->done = TRUE;
}

/* One HTTP/1.1 request over a stream the pool opened; returns the whole
 * response (the server closes the connection after it). */
static char *
http_get (GIOStream  *stream,
          const char *path)
{
  g_autofree char *request = NULL;
  g_autoptr(GString) response = g_string_new (NULL);
  char buffer[4096];
  Op op = { 0 };

  request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream), request, strlen (request),
                                   G_PRIORITY_DEFAULT, NULL, write_cb, &op);
  WAIT_UNTIL (op.done);
  g_assert_no_error (op.error);

  do
    {
      memset (&op, 0, sizeof op);
      g_input_stream_read_async (g_io_stream_get_input_stream (stream), buffer, sizeof buffer,
                                 G_PRIORITY_DEFAULT, NULL, read_cb, &op);
      WAIT_UNTIL (op.done);
      g_assert_no_error (op.error);
      g_string_append_len (response, buffer, op.read);
    }
  while (op.read > 0);

  return g_string_free (g_steal_pointer (&response), FALSE);
}

/* Dials the HTTP server through the pool with a session, fetches "/" and
 * returns the name of the upstream that carried it. */
static char *
dial_and_fetch (Fixture *fixture)
{
  g_autoptr(SySession) session = sy_session_new (SY_NETWORK_TCP, "test", NULL);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *response = NULL;

  sy_session_set_destination (session, "127.0.0.1", fixture->http_port);
  stream = pool_dial (fixture, session, "127.0.0.1", fixture->http_port, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stream);

  response = http_get (stream, "/");
  g_assert_true (g_str_has_prefix (response, "HTTP/1.1 200"));
  g_assert_true (g_str_has_suffix (response, "hello"));

  g_io_stream_close (stream, NULL, NULL);
  sy_session_finish (session);
  return g_strdup (session->upstream);
}

static void
test_upstream_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Op *op = user_data;

  op->latency = sy_pool_test_upstream_finish (SY_POOL (source), result, &op->error);
  op->done = TRUE;
}

static gint64
test_upstream (Fixture     *fixture,
               const char  *name,
               GError     **error)
{
  Op op = { 0 };

  sy_pool_test_upstream_async (fixture->pool, name, NULL, test_upstream_cb, &op);
  WAIT_UNTIL (op.done);
  if (op.error != NULL)
    g_propagate_error (error, op.error);
  return op.latency;
}

static SyHealthState
health_of (Fixture    *fixture,
           const char *name)
{
  return sy_upstream_get_health (sy_pool_find_upstream (fixture->pool, name));
}

/* ---- tests ------------------------------------------------------------- */

/* Failover: the first upstream carries everything; when it is killed, new
 * dials move to the second without the caller seeing an error, the checks
 * mark it DOWN, and once restarted on its port it comes back UP and takes
 * the traffic again. */
static void
test_pool_interop_failover (Fixture       *fixture,
                            gconstpointer  data)
{
  SyUpstream *a = sy_pool_find_upstream (fixture->pool, "a");
  SyUpstream *b = sy_pool_find_upstream (fixture->pool, "b");
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  g_autofree char *fourth = NULL;
  guint64 a_total;

  sy_pool_start_health_checks (fixture->pool);
  WAIT_UNTIL (sy_upstream_get_health (a) == SY_HEALTH_UP && sy_upstream_get_health (b) == SY_HEALTH_UP);
  g_assert_cmpint (sy_upstream_get_latency_ms (a), >=, 0);

  first = dial_and_fetch (fixture);
  g_assert_cmpstr (first, ==, "a");
  g_assert_cmpuint (sy_upstream_get_total (a), ==, 1);
  g_assert_cmpuint (sy_upstream_get_total (b), ==, 0);
  g_assert_cmpuint (sy_upstream_get_active (a), ==, 0);

  peer_kill (fixture->a);

  /* Whatever a's health says at this moment, the dial succeeds. */
  second = dial_and_fetch (fixture);
  g_assert_cmpstr (second, ==, "b");
  g_assert_cmpuint (sy_upstream_get_total (b), ==, 1);

  WAIT_UNTIL (sy_upstream_get_health (a) == SY_HEALTH_DOWN);
  g_assert_false (sy_upstream_is_eligible (a));
  g_assert_nonnull (strstr (sy_upstream_get_last_error (a), "cannot reach SOCKS5 server"));
  g_assert_cmpint (sy_upstream_get_health (b), ==, SY_HEALTH_UP);

  /* A DOWN member is not even tried. */
  a_total = sy_upstream_get_total (a);
  third = dial_and_fetch (fixture);
  g_assert_cmpstr (third, ==, "b");
  g_assert_cmpuint (sy_upstream_get_total (a), ==, a_total);

  peer_restart (fixture->a);
  WAIT_UNTIL (sy_upstream_get_health (a) == SY_HEALTH_UP);

  fourth = dial_and_fetch (fixture);
  g_assert_cmpstr (fourth, ==, "a");
  g_assert_cmpuint (sy_upstream_get_active (a), ==, 0);
  g_assert_cmpuint (sy_upstream_get_active (b), ==, 0);
}

/* With checks run by hand: fail_threshold failed checks take it DOWN, and
 * only recover_threshold successful ones in a row bring it back. */
static void
test_pool_interop_recover_threshold (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 latency;

  latency = test_upstream (fixture, "a", &error);
  g_assert_no_error (error);
  g_assert_cmpint (latency, >=, 0);
  g_assert_cmpint (health_of (fixture, "a"), ==, SY_HEALTH_UP);
  g_assert_cmpint (sy_upstream_get_latency_ms (sy_pool_find_upstream (fixture->pool, "a")), ==, latency);

  peer_kill (fixture->a);
  latency = test_upstream (fixture, "a", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_cmpint (latency, ==, -1);
  g_clear_error (&error);
  g_assert_cmpint (health_of (fixture, "a"), ==, SY_HEALTH_UP);
  test_upstream (fixture, "a", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);
  g_assert_cmpint (health_of (fixture, "a"), ==, SY_HEALTH_DOWN);

  peer_restart (fixture->a);
  latency = test_upstream (fixture, "a", &error);
  g_assert_no_error (error);
  g_assert_cmpint (latency, >=, 0);
  g_assert_cmpint (health_of (fixture, "a"), ==, SY_HEALTH_DOWN);
  latency = test_upstream (fixture, "a", &error);
  g_assert_no_error (error);
  g_assert_cmpint (latency, >=, 0);
  g_assert_cmpint (health_of (fixture, "a"), ==, SY_HEALTH_UP);
}

/* Both upstreams dead: dials fail with SY_ERROR_NO_UPSTREAM, first after
 * trying both, then — once the checks marked them DOWN — without trying. */
static void
test_pool_interop_all_down (Fixture       *fixture,
                            gconstpointer  data)
{
  SyUpstream *a = sy_pool_find_upstream (fixture->pool, "a");
  SyUpstream *b = sy_pool_find_upstream (fixture->pool, "b");
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  guint64 a_total, b_total;

  peer_kill (fixture->a);
  peer_kill (fixture->b);

  stream = pool_dial (fixture, NULL, "127.0.0.1", fixture->http_port, &error);
  g_assert_null (stream);
  g_assert_error (error, SY_ERROR, SY_ERROR_NO_UPSTREAM);
  g_assert_nonnull (strstr (error->message, "tried a, b"));
  g_clear_error (&error);

  sy_pool_start_health_checks (fixture->pool);
  WAIT_UNTIL (sy_upstream_get_health (a) == SY_HEALTH_DOWN && sy_upstream_get_health (b) == SY_HEALTH_DOWN);

  a_total = sy_upstream_get_total (a);
  b_total = sy_upstream_get_total (b);
  {
    g_autoptr(SySession) session = sy_session_new (SY_NETWORK_TCP, "test", NULL);

    stream = pool_dial (fixture, session, "127.0.0.1", fixture->http_port, &error);
    g_assert_null (stream);
    g_assert_error (error, SY_ERROR, SY_ERROR_NO_UPSTREAM);
    g_assert_nonnull (strstr (error->message, "all 2 upstreams of pool “interop” are down"));
    g_assert_nonnull (strstr (error->message, "cannot reach SOCKS5 server"));
    g_assert_null (session->upstream);
  }
  g_assert_cmpuint (sy_upstream_get_total (a), ==, a_total);
  g_assert_cmpuint (sy_upstream_get_total (b), ==, b_total);
}

/* Round-robin alternates: ten dials, five through each upstream. */
static void
test_pool_interop_round_robin (Fixture       *fixture,
                               gconstpointer  data)
{
  SyUpstream *a, *b;

  fixture_build_pool (fixture, SY_POOL_STRATEGY_ROUND_ROBIN);
  a = sy_pool_find_upstream (fixture->pool, "a");
  b = sy_pool_find_upstream (fixture->pool, "b");

  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *upstream = dial_and_fetch (fixture);

      g_assert_cmpstr (upstream, ==, i % 2 == 0 ? "a" : "b");
    }

  g_assert_cmpuint (sy_upstream_get_total (a), ==, 5);
  g_assert_cmpuint (sy_upstream_get_total (b), ==, 5);
  g_assert_cmpuint (sy_upstream_get_active (a), ==, 0);
  g_assert_cmpuint (sy_upstream_get_active (b), ==, 0);
  g_assert_cmpint (sy_upstream_get_health (a), ==, SY_HEALTH_UP);
}

/* The destination refuses: microsocks relays it (RFC 1928 REP 0x05). That is
 * no fault of the upstream: no retry, no failure counted, and the client
 * gets "connection refused" to map to its own reply. */
static void
test_pool_interop_destination_refused (Fixture       *fixture,
                                       gconstpointer  data)
{
  SyUpstream *a = sy_pool_find_upstream (fixture->pool, "a");
  SyUpstream *b = sy_pool_find_upstream (fixture->pool, "b");
  g_autoptr(SySession) session = sy_session_new (SY_NETWORK_TCP, "test", NULL);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  stream = pool_dial (fixture, session, "127.0.0.1", sy_test_find_free_port ("127.0.0.1"), &error);
  g_assert_null (stream);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_cmpstr (session->upstream, ==, "a");
  g_assert_cmpuint (sy_upstream_get_total (b), ==, 0);
  g_assert_cmpuint (sy_upstream_get_failures (a), ==, 0);
  g_assert_null (sy_upstream_get_last_error (a));
  g_assert_true (sy_upstream_is_eligible (a));
}

/* Wrong credentials are the upstream's fault: the dial moves on to the next
 * one, and the first is blamed with the reason. */
static void
test_pool_interop_auth_failure (Fixture       *fixture,
                                gconstpointer  data)
{
  SyUpstreamConfig *a_config = g_ptr_array_index (fixture->config->upstreams, 0);
  g_autofree char *upstream = NULL;
  SyUpstream *a;

  g_free (a_config->password);
  a_config->password = g_strdup ("not-the-password");
  sy_pool_update_config (fixture->pool, fixture->config);
  a = sy_pool_find_upstream (fixture->pool, "a");

  upstream = dial_and_fetch (fixture);
  g_assert_cmpstr (upstream, ==, "b");
  g_assert_cmpuint (sy_upstream_get_failures (a), ==, 1);
  g_assert_nonnull (sy_upstream_get_last_error (a));
  g_assert_nonnull (strstr (sy_upstream_get_last_error (a), "upstream a"));
}

/* A check that gets an unexpected status fails, with the status in the error. */
static void
test_pool_interop_bad_status (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 latency;

  g_free (fixture->config->health.url);
  fixture->config->health.url = g_strdup_printf ("http://127.0.0.1:%u/broken", fixture->http_port);
  sy_pool_update_config (fixture->pool, fixture->config);

  latency = test_upstream (fixture, "b", &error);
  g_assert_cmpint (latency, ==, -1);
  g_assert_error (error, SY_ERROR, SY_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "HTTP 503"));
  g_assert_cmpuint (sy_upstream_get_failures (sy_pool_find_upstream (fixture->pool, "b")), ==, 1);
}

/* https:// checks speak TLS through the upstream and validate the server's
 * certificate: refused against the system's trust store, accepted once the
 * test CA is trusted. */
static void
test_pool_interop_https_check (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ca_path = NULL;
  GSList *uris;
  gint64 latency;
  int fd;

  certificate = g_tls_certificate_new_from_pem (test_server_pem, -1, &error);
  g_assert_no_error (error);
  server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (server, NULL, server_cb, NULL, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);

  g_free (fixture->config->health.url);
  fixture->config->health.url = g_strdup_printf ("https://127.0.0.1:%d/health",
                                                 g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  sy_pool_update_config (fixture->pool, fixture->config);

  latency = test_upstream (fixture, "a", &error);
  g_assert_cmpint (latency, ==, -1);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);
  g_assert_cmpuint (sy_upstream_get_failures (sy_pool_find_upstream (fixture->pool, "a")), ==, 1);

  fd = g_file_open_tmp ("sy-test-ca-XXXXXX.pem", &ca_path, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (ca_path, test_ca_pem, -1, &error);
  g_assert_no_error (error);
  database = g_tls_file_database_new (ca_path, &error);
  g_assert_no_error (error);
  sy_pool_set_tls_database (fixture->pool, database);

  latency = test_upstream (fixture, "a", &error);
  g_assert_no_error (error);
  g_assert_cmpint (latency, >=, 0);
  g_assert_cmpint (health_of (fixture, "a"), ==, SY_HEALTH_UP);

  /* GnuTLS rereads the file for new connections: remove it only now. */
  g_unlink (ca_path);
  soup_server_disconnect (server);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/interop/pool/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("failover", test_pool_interop_failover);
  ADD ("recover-threshold", test_pool_interop_recover_threshold);
  ADD ("all-down", test_pool_interop_all_down);
  ADD ("round-robin", test_pool_interop_round_robin);
  ADD ("destination-refused", test_pool_interop_destination_refused);
  ADD ("auth-failure", test_pool_interop_auth_failure);
  ADD ("bad-status", test_pool_interop_bad_status);
  ADD ("https-check", test_pool_interop_https_check);

#undef ADD

  return g_test_run ();
}
