/* test-pool.c — SyPool and SyUpstream without peers: fault classification,
 * retries over unreachable members, configuration updates, signals, timer
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "outbound/sy-direct-outbound.h"
#include "pool/sy-pool-private.h"
#include "util/sy-error.h"

/* A loopback port nobody listens on: connects are refused at once. */
static guint16
closed_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static SyUpstreamConfig *
upstream_config (const char *name,
                 guint16     port)
{
  SyUpstreamConfig *config = sy_upstream_config_new ();

  config->name = g_strdup (name);
  config->kind = SY_UPSTREAM_KIND_SOCKS5;
  config->host = g_strdup ("127.0.0.1");
  config->port = port;
  return config;
}

static SyPoolConfig *
pool_config (SyPoolStrategy strategy,
             guint          n_upstreams)
{
  SyPoolConfig *config = sy_pool_config_new ("test-pool");

  config->strategy = strategy;
  config->health.url = (g_free (config->health.url), g_strdup ("http://127.0.0.1:9/health"));
  for (guint i = 0; i < n_upstreams; i++)
    {
      char name[2] = { (char) ('a' + i), '\0' };

      g_ptr_array_add (config->upstreams, upstream_config (name, closed_port ()));
    }
  return config;
}

typedef struct
{
  gboolean   done;
  GIOStream *stream;
  GError    *error;
} DialResult;

static void
dial_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  DialResult *res = user_data;

  res->stream = sy_outbound_dial_finish (SY_OUTBOUND (source), result, &res->error);
  res->done = TRUE;
}

static GIOStream *
dial (SyPool      *pool,
      SySession   *session,
      GError     **error)
{
  DialResult res = { 0 };

  sy_outbound_dial_async (SY_OUTBOUND (pool), session, "example.test", 80, NULL, dial_cb, &res);
  /* A GTask never completes inside the call that started it. */
  g_assert_false (res.done);
  while (!res.done)
    g_main_context_iteration (NULL, TRUE);

  if (res.error != NULL)
    g_propagate_error (error, res.error);
  return res.stream;
}

static SyPool *
new_pool (const SyPoolConfig *config)
{
  g_autoptr(SyOutbound) direct = sy_direct_outbound_new ("direct");

  return sy_pool_new (config, direct);
}

static void
test_pool_classify (void)
{
  static const struct {
    GQuark  (*domain) (void);
    gint      code;
    gboolean  started;
    gboolean  reached;
    gboolean  failed;
    SyDialFault fault;
  } cases[] = {
    /* the kernel refused our connect to the proxy server */
    { g_io_error_quark, G_IO_ERROR_CONNECTION_REFUSED, TRUE, FALSE, TRUE, SY_DIAL_FAULT_UPSTREAM },
    { g_io_error_quark, G_IO_ERROR_TIMED_OUT, TRUE, FALSE, TRUE, SY_DIAL_FAULT_UPSTREAM },
    { g_io_error_quark, G_IO_ERROR_HOST_UNREACHABLE, TRUE, FALSE, TRUE, SY_DIAL_FAULT_UPSTREAM },
    { g_resolver_error_quark, G_RESOLVER_ERROR_NOT_FOUND, TRUE, FALSE, TRUE, SY_DIAL_FAULT_UPSTREAM },
    /* the proxy server answered with the destination's failure */
    { g_io_error_quark, G_IO_ERROR_CONNECTION_REFUSED, TRUE, TRUE, FALSE, SY_DIAL_FAULT_DESTINATION },
    { g_io_error_quark, G_IO_ERROR_HOST_UNREACHABLE, TRUE, TRUE, FALSE, SY_DIAL_FAULT_DESTINATION },
    { g_io_error_quark, G_IO_ERROR_NETWORK_UNREACHABLE, TRUE, TRUE, FALSE, SY_DIAL_FAULT_DESTINATION },
    { g_io_error_quark, G_IO_ERROR_TIMED_OUT, TRUE, TRUE, FALSE, SY_DIAL_FAULT_DESTINATION },
    { g_io_error_quark, G_IO_ERROR_PERMISSION_DENIED, TRUE, TRUE, FALSE, SY_DIAL_FAULT_DESTINATION },
    { g_resolver_error_quark, G_RESOLVER_ERROR_NOT_FOUND, TRUE, TRUE, FALSE, SY_DIAL_FAULT_DESTINATION },
    /* the proxy server misbehaved */
    { sy_error_quark, SY_ERROR_AUTH_FAILED, TRUE, TRUE, FALSE, SY_DIAL_FAULT_UPSTREAM },
    { sy_error_quark, SY_ERROR_PROTOCOL, TRUE, TRUE, FALSE, SY_DIAL_FAULT_UPSTREAM },
    { g_io_error_quark, G_IO_ERROR_CONNECTION_CLOSED, TRUE, TRUE, FALSE, SY_DIAL_FAULT_UPSTREAM },
    { g_io_error_quark, G_IO_ERROR_BROKEN_PIPE, TRUE, TRUE, FALSE, SY_DIAL_FAULT_UPSTREAM },
    { g_io_error_quark, G_IO_ERROR_NOT_SUPPORTED, TRUE, TRUE, FALSE, SY_DIAL_FAULT_UPSTREAM },
    { g_io_error_quark, G_IO_ERROR_FAILED, TRUE, TRUE, FALSE, SY_DIAL_FAULT_UPSTREAM },
    /* the dialer refused the request itself */
    { g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE, FALSE, FALSE, SY_DIAL_FAULT_DESTINATION },
    /* nobody's fault */
    { g_io_error_quark, G_IO_ERROR_CANCELLED, TRUE, FALSE, FALSE, SY_DIAL_FAULT_CANCELLED },
    { g_io_error_quark, G_IO_ERROR_CANCELLED, TRUE, TRUE, FALSE, SY_DIAL_FAULT_CANCELLED },
  };

  g_assert_cmpint (sy_upstream_classify_error (NULL, TRUE, TRUE, FALSE), ==, SY_DIAL_FAULT_NONE);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (cases[i].domain (), cases[i].code, "x");

      g_test_message ("case %u", i);
      g_assert_cmpint (sy_upstream_classify_error (error, cases[i].started, cases[i].reached,
                                                   cases[i].failed),
                       ==, cases[i].fault);
    }
}

static void
test_pool_no_upstream (void)
{
  g_autoptr(SyPoolConfig) config = pool_config (SY_POOL_STRATEGY_ROUND_ROBIN, 2);
  g_autoptr(SyPoolConfig) empty = pool_config (SY_POOL_STRATEGY_ROUND_ROBIN, 0);
  g_autoptr(SyPool) pool = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < config->upstreams->len; i++)
    ((SyUpstreamConfig *) g_ptr_array_index (config->upstreams, i))->enabled = FALSE;

  pool = new_pool (config);
  g_assert_cmpstr (sy_outbound_get_kind (SY_OUTBOUND (pool)), ==, "pool");
  g_assert_cmpstr (sy_outbound_get_name (SY_OUTBOUND (pool)), ==, "test-pool");
  g_assert_cmpint (sy_upstream_get_health (sy_pool_find_upstream (pool, "a")), ==, SY_HEALTH_DISABLED);

  stream = dial (pool, NULL, &error);
  g_assert_null (stream);
  g_assert_error (error, SY_ERROR, SY_ERROR_NO_UPSTREAM);
  g_assert_nonnull (strstr (error->message, "all 2 upstreams of pool “test-pool” are down"));
  g_assert_cmpuint (sy_upstream_get_total (sy_pool_find_upstream (pool, "a")), ==, 0);
  g_clear_error (&error);
  g_clear_object (&pool);

  pool = new_pool (empty);
  stream = dial (pool, NULL, &error);
  g_assert_null (stream);
  g_assert_error (error, SY_ERROR, SY_ERROR_NO_UPSTREAM);
}

/* Three members whose servers refuse connections, at most two attempts:
 * the first two are tried, each blamed once, the third is not touched. */
static void
test_pool_unreachable_upstreams (void)
{
  g_autoptr(SyPoolConfig) config = pool_config (SY_POOL_STRATEGY_FAILOVER, 3);
  g_autoptr(SyPool) pool = NULL;
  g_autoptr(SySession) session = sy_session_new (SY_NETWORK_TCP, "test", NULL);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  SyUpstream *a, *b, *c;

  config->max_attempts = 2;
  pool = new_pool (config);
  a = sy_pool_find_upstream (pool, "a");
  b = sy_pool_find_upstream (pool, "b");
  c = sy_pool_find_upstream (pool, "c");

  stream = dial (pool, session, &error);
  g_assert_null (stream);
  g_assert_error (error, SY_ERROR, SY_ERROR_NO_UPSTREAM);
  g_assert_nonnull (strstr (error->message, "tried a, b"));
  g_assert_nonnull (strstr (error->message, "cannot reach SOCKS5 server"));

  g_assert_cmpuint (sy_upstream_get_failures (a), ==, 1);
  g_assert_cmpuint (sy_upstream_get_failures (b), ==, 1);
  g_assert_cmpuint (sy_upstream_get_failures (c), ==, 0);
  g_assert_nonnull (sy_upstream_get_last_error (a));
  g_assert_null (sy_upstream_get_last_error (c));
  g_assert_cmpuint (sy_upstream_get_total (a), ==, 1);
  g_assert_cmpuint (sy_upstream_get_total (b), ==, 1);
  g_assert_cmpuint (sy_upstream_get_total (c), ==, 0);

  /* The session moved from a to b; failing it releases b. */
  g_assert_cmpstr (session->upstream, ==, "b");
  g_assert_cmpuint (sy_upstream_get_active (a), ==, 0);
  g_assert_cmpuint (sy_upstream_get_active (b), ==, 1);
  sy_session_fail (session, error);
  g_assert_cmpuint (sy_upstream_get_active (b), ==, 0);

  /* Passive failures alone (threshold 3) leave them eligible. */
  g_assert_true (sy_upstream_is_eligible (a));
}

/* Without active checks a DOWN member is tried again by a real dial once
 * its back-off has run out, and that trial counts like a check. */
static void
test_pool_trial_without_checks (void)
{
  g_autoptr(SyPoolConfig) config = pool_config (SY_POOL_STRATEGY_FAILOVER, 2);
  g_autoptr(SyPool) pool = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;
  SyUpstream *a, *b;
  gint64 before;

  config->health.fail_threshold = 1;
  config->health.backoff_initial_s = 60;
  config->health.backoff_max_s = 60;
  config->max_attempts = 1;
  pool = new_pool (config);
  a = sy_pool_find_upstream (pool, "a");
  b = sy_pool_find_upstream (pool, "b");

  stream = dial (pool, NULL, &error);
  g_assert_error (error, SY_ERROR, SY_ERROR_NO_UPSTREAM);
  g_clear_error (&error);
  g_assert_cmpint (sy_upstream_get_health (a), ==, SY_HEALTH_DOWN);
  g_assert_cmpint (sy_upstream_get_health (b), ==, SY_HEALTH_UNKNOWN);

  /* Within its back-off a is skipped: b is tried (and falls too). */
  stream = dial (pool, NULL, &error);
  g_assert_error (error, SY_ERROR, SY_ERROR_NO_UPSTREAM);
  g_assert_nonnull (strstr (error->message, "tried b"));
  g_clear_error (&error);
  g_assert_cmpint (sy_upstream_get_health (b), ==, SY_HEALTH_DOWN);

  /* Both down, back-off not over: nothing is tried at all. */
  stream = dial (pool, NULL, &error);
  g_assert_error (error, SY_ERROR, SY_ERROR_NO_UPSTREAM);
  g_assert_nonnull (strstr (error->message, "are down"));
  g_clear_error (&error);
  g_assert_cmpuint (sy_upstream_get_total (a), ==, 0);

  /* Shrink the clock (one "second" = 50 µs) so the back-off runs out. */
  sy_pool_set_time_unit (pool, 50);
  while (!sy_upstream_is_check_due (a, g_get_monotonic_time ()))
    g_usleep (1000);

  /* a goes first again (failover order) as a trial; its failure backs it off. */
  before = sy_upstream_get_next_check_at (a);
  stream = dial (pool, NULL, &error);
  g_assert_error (error, SY_ERROR, SY_ERROR_NO_UPSTREAM);
  g_assert_nonnull (strstr (error->message, "tried a"));
  g_assert_cmpint (sy_upstream_get_next_check_at (a), >, before);
  g_assert_cmpint (sy_upstream_get_health (a), ==, SY_HEALTH_DOWN);
}

typedef struct
{
  guint upstream_changed;
  guint changed;
} Signals;

static void
on_changed (SyUpstream *upstream,
            Signals    *counts)
{
  counts->changed++;
}

static void
on_upstream_changed (SyPool     *pool,
                     SyUpstream *upstream,
                     Signals    *counts)
{
  g_assert_true (SY_IS_UPSTREAM (upstream));
  counts->upstream_changed++;
}

static void
test_pool_signals_and_latency (void)
{
  g_autoptr(SyPoolConfig) config = pool_config (SY_POOL_STRATEGY_ROUND_ROBIN, 1);
  g_autoptr(SyPool) pool = NULL;
  g_autoptr(GError) error = g_error_new_literal (SY_ERROR, SY_ERROR_PROTOCOL, "bad reply");
  Signals counts = { 0 };
  SyUpstream *a;

  config->health.latency_samples = 3;
  pool = new_pool (config);
  a = sy_pool_find_upstream (pool, "a");
  g_signal_connect (a, "changed", G_CALLBACK (on_changed), &counts);
  g_signal_connect (pool, "upstream-changed", G_CALLBACK (on_upstream_changed), &counts);

  /* Byte and session counters never signal. */
  sy_upstream_add_bytes (a, 100, 2000);
  sy_upstream_session_opened (a);
  sy_upstream_session_closed (a);
  g_assert_cmpuint (counts.changed, ==, 0);
  g_assert_cmpuint (sy_upstream_get_bytes_up (a), ==, 100);
  g_assert_cmpuint (sy_upstream_get_bytes_down (a), ==, 2000);
  g_assert_cmpuint (sy_upstream_get_total (a), ==, 1);

  /* A passive success turns UNKNOWN into UP; a second one changes nothing. */
  g_assert_cmpint (sy_upstream_get_latency_ms (a), ==, -1);
  sy_upstream_report_success (a, -1);
  g_assert_cmpuint (counts.changed, ==, 1);
  g_assert_cmpuint (counts.upstream_changed, ==, 1);
  sy_upstream_report_success (a, -1);
  g_assert_cmpuint (counts.changed, ==, 1);
  g_assert_cmpint (sy_upstream_get_latency_ms (a), ==, -1);
  g_assert_cmpint (sy_upstream_get_last_check (a), ==, 0);

  /* Latency is the mean of the last three samples. */
  sy_upstream_report_success (a, 10);
  g_assert_cmpint (sy_upstream_get_latency_ms (a), ==, 10);
  sy_upstream_report_success (a, 20);
  g_assert_cmpint (sy_upstream_get_latency_ms (a), ==, 15);
  sy_upstream_report_success (a, 30);
  g_assert_cmpint (sy_upstream_get_latency_ms (a), ==, 20);
  sy_upstream_report_success (a, 40);
  g_assert_cmpint (sy_upstream_get_latency_ms (a), ==, 30);
  g_assert_cmpint (sy_upstream_get_last_check (a), >, 0);
  g_assert_cmpuint (counts.changed, ==, 5);

  /* A new error signals; the same error again (state unchanged) does not. */
  sy_upstream_report_failure (a, error);
  g_assert_cmpuint (counts.changed, ==, 6);
  g_assert_cmpstr (sy_upstream_get_last_error (a), ==, "bad reply");
  sy_upstream_report_failure (a, error);
  g_assert_cmpuint (counts.changed, ==, 6);
  /* The third failure in the window takes it down. */
  sy_upstream_report_failure (a, error);
  g_assert_cmpuint (counts.changed, ==, 7);
  g_assert_cmpint (sy_upstream_get_health (a), ==, SY_HEALTH_DOWN);
  g_assert_false (sy_upstream_is_eligible (a));
  g_assert_cmpuint (counts.upstream_changed, ==, counts.changed);

  /* Fewer samples keep the newest ones. */
  config->health.latency_samples = 1;
  sy_pool_update_config (pool, config);
  g_assert_true (sy_pool_find_upstream (pool, "a") == a);
  g_assert_cmpint (sy_upstream_get_latency_ms (a), ==, 40);
}

static void
test_pool_update_config (void)
{
  g_autoptr(SyPoolConfig) config = pool_config (SY_POOL_STRATEGY_ROUND_ROBIN, 3);
  g_autoptr(SyPool) pool = NULL;
  g_autoptr(SyUpstream) a = NULL;
  g_autoptr(SyUpstream) b = NULL;
  g_autoptr(SyUpstream) c = NULL;
  SyUpstreamConfig *uc;
  Signals counts = { 0 };
  GPtrArray *upstreams;

  pool = new_pool (config);
  g_signal_connect (pool, "upstream-changed", G_CALLBACK (on_upstream_changed), &counts);
  a = g_object_ref (sy_pool_find_upstream (pool, "a"));
  b = g_object_ref (sy_pool_find_upstream (pool, "b"));
  c = g_object_ref (sy_pool_find_upstream (pool, "c"));
  sy_upstream_add_bytes (a, 7, 7);
  sy_upstream_report_success (a, 12);

  /* reorder to c, a, b; b's weight changes; c's port changes; d is new */
  uc = g_ptr_array_steal_index (config->upstreams, 2);
  uc->port = closed_port ();
  g_ptr_array_insert (config->upstreams, 0, uc);
  ((SyUpstreamConfig *) g_ptr_array_index (config->upstreams, 2))->weight = 9;
  g_ptr_array_add (config->upstreams, upstream_config ("d", closed_port ()));
  config->strategy = SY_POOL_STRATEGY_LOWEST_LATENCY;
  config->tolerance_ms = 7;

  sy_pool_update_config (pool, config);
  upstreams = sy_pool_get_upstreams (pool);
  g_assert_cmpuint (upstreams->len, ==, 4);
  g_assert_cmpstr (sy_upstream_get_name (g_ptr_array_index (upstreams, 0)), ==, "c");
  g_assert_cmpstr (sy_upstream_get_name (g_ptr_array_index (upstreams, 1)), ==, "a");
  g_assert_cmpstr (sy_upstream_get_name (g_ptr_array_index (upstreams, 2)), ==, "b");
  g_assert_cmpstr (sy_upstream_get_name (g_ptr_array_index (upstreams, 3)), ==, "d");

  /* a and b kept with their counters; c rebuilt for its new server. */
  g_assert_true (g_ptr_array_index (upstreams, 1) == a);
  g_assert_true (g_ptr_array_index (upstreams, 2) == b);
  g_assert_false (g_ptr_array_index (upstreams, 0) == c);
  g_assert_cmpuint (sy_upstream_get_bytes_up (a), ==, 7);
  g_assert_cmpint (sy_upstream_get_health (a), ==, SY_HEALTH_UP);
  g_assert_cmpint (sy_upstream_get_latency_ms (a), ==, 12);
  g_assert_cmpuint (sy_upstream_get_weight (b), ==, 9);
  g_assert_cmpint (sy_pool_get_config (pool)->strategy, ==, SY_POOL_STRATEGY_LOWEST_LATENCY);
  g_assert_cmpuint (sy_pool_get_config (pool)->tolerance_ms, ==, 7);

  /* The dropped object no longer forwards its signals. */
  counts.upstream_changed = 0;
  sy_upstream_report_success (c, 1);
  g_assert_cmpuint (counts.upstream_changed, ==, 0);

  /* Disabling is an in-place change that signals. */
  ((SyUpstreamConfig *) g_ptr_array_index (config->upstreams, 1))->enabled = FALSE;
  sy_pool_update_config (pool, config);
  g_assert_true (sy_pool_find_upstream (pool, "a") == a);
  g_assert_cmpint (sy_upstream_get_health (a), ==, SY_HEALTH_DISABLED);
  g_assert_cmpuint (counts.upstream_changed, ==, 1);

  /* New credentials mean a new object; removal drops it. */
  uc = g_ptr_array_index (config->upstreams, 2);
  uc->username = g_strdup ("u");
  uc->password = g_strdup ("p");
  g_ptr_array_remove_index (config->upstreams, 3);
  sy_pool_update_config (pool, config);
  g_assert_false (sy_pool_find_upstream (pool, "b") == b);
  g_assert_null (sy_pool_find_upstream (pool, "d"));
  g_assert_cmpuint (sy_pool_get_upstreams (pool)->len, ==, 3);
}

static gint64
timer_ready_time (SyPool *pool)
{
  return pool->check_timer != NULL ? g_source_get_ready_time (pool->check_timer) : -2;
}

/* The scheduler sleeps (ready time -1) while nothing can be due. */
static void
test_pool_timer_idle (void)
{
  g_autoptr(SyPoolConfig) config = pool_config (SY_POOL_STRATEGY_ROUND_ROBIN, 2);
  g_autoptr(SyPool) pool = NULL;

  for (guint i = 0; i < config->upstreams->len; i++)
    ((SyUpstreamConfig *) g_ptr_array_index (config->upstreams, i))->enabled = FALSE;
  pool = new_pool (config);

  g_assert_cmpint (timer_ready_time (pool), ==, -2);
  sy_pool_start_health_checks (pool);
  g_assert_true (sy_pool_checks_active (pool));
  g_assert_cmpint (timer_ready_time (pool), ==, -1);

  ((SyUpstreamConfig *) g_ptr_array_index (config->upstreams, 1))->enabled = TRUE;
  sy_pool_update_config (pool, config);
  g_assert_cmpint (timer_ready_time (pool), >=, 0);

  config->health.enabled = FALSE;
  sy_pool_update_config (pool, config);
  g_assert_false (sy_pool_checks_active (pool));
  g_assert_cmpint (timer_ready_time (pool), ==, -1);

  /* An unusable URL turns active checks off rather than failing them. */
  config->health.enabled = TRUE;
  g_free (config->health.url);
  config->health.url = g_strdup ("ftp://127.0.0.1/");
  g_test_expect_message ("sy-pool", G_LOG_LEVEL_WARNING, "*must start with http*");
  sy_pool_update_config (pool, config);
  g_test_assert_expected_messages ();
  g_assert_false (sy_pool_checks_active (pool));
  g_assert_cmpint (timer_ready_time (pool), ==, -1);

  sy_pool_stop_health_checks (pool);
  g_assert_cmpint (timer_ready_time (pool), ==, -2);
}

static void
test_test_upstream_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GError **error = user_data;

  g_assert_cmpint (sy_pool_test_upstream_finish (SY_POOL (source), result, error), ==, -1);
}

/* Testing an upstream whose server is gone is a failed check: it is blamed
 * and the error says why. Unknown names are NOT_FOUND. */
static void
test_pool_test_upstream_unreachable (void)
{
  g_autoptr(SyPoolConfig) config = pool_config (SY_POOL_STRATEGY_ROUND_ROBIN, 1);
  g_autoptr(SyPool) pool = NULL;
  GError *error = NULL;
  SyUpstream *a;

  pool = new_pool (config);
  a = sy_pool_find_upstream (pool, "a");

  sy_pool_test_upstream_async (pool, "a", NULL, test_test_upstream_cb, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);
  g_assert_cmpuint (sy_upstream_get_failures (a), ==, 1);
  g_assert_cmpint (sy_upstream_get_last_check (a), >, 0);

  sy_pool_test_upstream_async (pool, "nope", NULL, test_test_upstream_cb, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, SY_ERROR, SY_ERROR_NOT_FOUND);
  g_clear_error (&error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/pool/classify", test_pool_classify);
  g_test_add_func ("/core/pool/no-upstream", test_pool_no_upstream);
  g_test_add_func ("/core/pool/unreachable-upstreams", test_pool_unreachable_upstreams);
  g_test_add_func ("/core/pool/trial-without-checks", test_pool_trial_without_checks);
  g_test_add_func ("/core/pool/signals-and-latency", test_pool_signals_and_latency);
  g_test_add_func ("/core/pool/update-config", test_pool_update_config);
  g_test_add_func ("/core/pool/timer-idle", test_pool_timer_idle);
  g_test_add_func ("/core/pool/test-upstream-unreachable", test_pool_test_upstream_unreachable);

  return g_test_run ();
}
