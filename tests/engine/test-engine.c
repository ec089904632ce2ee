/* test-engine.c — lifecycle, validated edits, all-or-nothing rebinding
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "engine/sy-engine.h"
#include "util/sy-error.h"

static SyConfig *
config_on_port_zero (void)
{
  SyConfig *config = sy_config_new_default ();
  SyInboundConfig *main_inbound;

  g_assert_cmpuint (config->inbounds->len, ==, 1);
  main_inbound = g_ptr_array_index (config->inbounds, 0);
  g_assert_cmpstr (main_inbound->name, ==, "main");
  g_assert_cmpstr (main_inbound->listen_address, ==, "127.0.0.1");
  g_assert_cmpuint (main_inbound->port, ==, 1080);
  g_assert_cmpstr (main_inbound->outbound, ==, "direct");
  main_inbound->port = 0;  /* an ephemeral port, so tests run in parallel */

  return config;
}

static guint16
port_of (const char *address)
{
  const char *colon = strrchr (address, ':');

  g_assert_nonnull (colon);
  return (guint16) g_ascii_strtoull (colon + 1, NULL, 10);
}

static void
count_cb (gpointer  instance,
          guint    *count)
{
  (*count)++;
}

static void
test_start_stop (void)
{
  g_autoptr(SyEngine) engine = sy_engine_new ();
  g_autoptr(SyConfig) config = config_on_port_zero ();
  g_auto(GStrv) addresses = NULL;
  g_autoptr(GError) error = NULL;
  guint state_changes = 0;

  g_signal_connect (engine, "state-changed", G_CALLBACK (count_cb), &state_changes);
  g_assert_true (sy_engine_set_config (engine, config, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sy_engine_get_state (engine), ==, SY_ENGINE_STATE_STOPPED);

  addresses = sy_engine_dup_listen_addresses (engine);
  g_assert_cmpuint (g_strv_length (addresses), ==, 0);
  g_clear_pointer (&addresses, g_strfreev);

  g_assert_true (sy_engine_start (engine, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sy_engine_get_state (engine), ==, SY_ENGINE_STATE_RUNNING);
  g_assert_cmpstr (sy_engine_state_to_string (sy_engine_get_state (engine)), ==, "running");
  g_assert_cmpuint (state_changes, ==, 2);  /* starting, running */

  addresses = sy_engine_dup_listen_addresses (engine);
  g_assert_cmpuint (g_strv_length (addresses), ==, 1);
  g_assert_true (g_str_has_prefix (addresses[0], "127.0.0.1:"));
  g_assert_cmpuint (port_of (addresses[0]), !=, 0);

  /* starting twice is harmless */
  g_assert_true (sy_engine_start (engine, &error));
  g_assert_cmpuint (state_changes, ==, 2);

  sy_engine_stop (engine);
  g_assert_cmpint (sy_engine_get_state (engine), ==, SY_ENGINE_STATE_STOPPED);
  g_clear_pointer (&addresses, g_strfreev);
  addresses = sy_engine_dup_listen_addresses (engine);
  g_assert_cmpuint (g_strv_length (addresses), ==, 0);
}

static void
test_start_fails_on_busy_port (void)
{
  g_autoptr(SyEngine) engine = sy_engine_new ();
  g_autoptr(SyConfig) config = config_on_port_zero ();
  g_autoptr(GSocketListener) squatter = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  SyInboundConfig *inbound;
  guint16 port;

  inbound = g_ptr_array_index (config->inbounds, 0);
  port = g_socket_listener_add_any_inet_port (squatter, NULL, &error);
  g_assert_no_error (error);
  g_free (inbound->listen_address);
  inbound->listen_address = g_strdup ("0.0.0.0");
  inbound->allow_insecure = TRUE;
  inbound->port = port;

  g_assert_true (sy_engine_set_config (engine, config, &error));
  g_test_expect_message ("sy-engine", G_LOG_LEVEL_WARNING, "Could not start: Inbound*main*in use*");
  g_assert_false (sy_engine_start (engine, &error));
  g_test_assert_expected_messages ();
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "main"));
  g_assert_cmpint (sy_engine_get_state (engine), ==, SY_ENGINE_STATE_FAILED);
  g_assert_cmpstr (sy_engine_get_state_reason (engine), ==, error->message);
}

static void
test_rebind_all_or_nothing (void)
{
  g_autoptr(SyEngine) engine = sy_engine_new ();
  g_autoptr(SyConfig) config = config_on_port_zero ();
  g_autoptr(SyConfig) next = NULL;
  g_autoptr(GSocketListener) squatter = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) before = NULL;
  g_auto(GStrv) after = NULL;
  SyInboundConfig *second;
  guint16 busy;

  g_assert_true (sy_engine_set_config (engine, config, &error));
  g_assert_true (sy_engine_start (engine, &error));
  before = sy_engine_dup_listen_addresses (engine);

  busy = g_socket_listener_add_any_inet_port (squatter, NULL, &error);
  g_assert_no_error (error);

  /* keep "main" as it is and add a second inbound on a taken port */
  next = sy_config_copy (sy_engine_get_config (engine));
  second = sy_inbound_config_new ();
  g_free (second->name);
  second->name = g_strdup ("second");
  g_free (second->listen_address);
  second->listen_address = g_strdup ("0.0.0.0");
  second->allow_insecure = TRUE;
  second->port = busy;
  g_ptr_array_add (next->inbounds, second);

  g_assert_false (sy_engine_set_config (engine, next, &error));
  g_assert_nonnull (strstr (error->message, "second"));
  g_clear_error (&error);

  /* nothing changed: same config, same listener, still running */
  g_assert_cmpuint (sy_engine_get_config (engine)->inbounds->len, ==, 1);
  g_assert_cmpint (sy_engine_get_state (engine), ==, SY_ENGINE_STATE_RUNNING);
  after = sy_engine_dup_listen_addresses (engine);
  g_assert_true (g_strv_equal ((const char * const *) before, (const char * const *) after));
}

static SyUpstreamConfig *
upstream_from_url (const char *url,
                   const char *name)
{
  g_autoptr(GError) error = NULL;
  SyUpstreamConfig *upstream = sy_upstream_config_new_from_url (url, &error);

  g_assert_no_error (error);
  g_free (upstream->name);
  upstream->name = g_strdup (name);
  return upstream;
}

static void
test_pool_edits (void)
{
  g_autoptr(SyEngine) engine = sy_engine_new ();
  g_autoptr(SyConfig) config = config_on_port_zero ();
  g_autoptr(SyPoolConfig) work = sy_pool_config_new ("work");
  g_autoptr(SyPoolConfig) clash = sy_pool_config_new ("direct");
  g_autoptr(SyUpstreamConfig) a = upstream_from_url ("socks5://u:p@127.0.0.1:1", "a");
  g_autoptr(SyUpstreamConfig) b = upstream_from_url ("http://127.0.0.1:2", "b");
  g_autoptr(SyUpstreamConfig) c = upstream_from_url ("socks5://127.0.0.1:3", "c");
  g_autoptr(SyInboundConfig) inbound = NULL;
  g_autoptr(SyConfig) before = NULL;
  g_autoptr(GError) error = NULL;
  const SyPoolConfig *live;
  guint config_changes = 0;
  guint pools_changes = 0;

  g_assert_true (sy_engine_set_config (engine, config, &error));
  g_signal_connect (engine, "config-changed", G_CALLBACK (count_cb), &config_changes);
  g_signal_connect (engine, "pools-changed", G_CALLBACK (count_cb), &pools_changes);

  g_assert_false (sy_engine_add_pool (engine, clash, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_EXISTS);
  g_clear_error (&error);

  g_assert_true (sy_engine_add_pool (engine, work, &error));
  g_assert_no_error (error);
  g_assert_false (sy_engine_add_pool (engine, work, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_nonnull (sy_engine_find_pool (engine, "work"));

  g_assert_true (sy_engine_add_upstream (engine, "work", a, -1, &error));
  g_assert_true (sy_engine_add_upstream (engine, "work", b, -1, &error));
  g_assert_true (sy_engine_add_upstream (engine, "work", c, 0, &error));
  g_assert_no_error (error);
  live = sy_pool_get_config (sy_engine_find_pool (engine, "work"));
  g_assert_cmpuint (live->upstreams->len, ==, 3);
  g_assert_cmpstr (((SyUpstreamConfig *) live->upstreams->pdata[0])->name, ==, "c");
  g_assert_cmpuint (sy_pool_get_upstreams (sy_engine_find_pool (engine, "work"))->len, ==, 3);

  g_assert_false (sy_engine_add_upstream (engine, "work", a, -1, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (sy_engine_add_upstream (engine, "nope", a, -1, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (sy_engine_move_upstream (engine, "work", "c", 2, &error));
  live = sy_pool_get_config (sy_engine_find_pool (engine, "work"));
  g_assert_cmpstr (((SyUpstreamConfig *) live->upstreams->pdata[2])->name, ==, "c");
  g_assert_false (sy_engine_move_upstream (engine, "work", "c", 3, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (sy_engine_set_upstream_enabled (engine, "work", "a", FALSE, &error));
  g_assert_cmpint (sy_upstream_get_health (sy_pool_find_upstream (sy_engine_find_pool (engine, "work"), "a")),
                   ==, SY_HEALTH_DISABLED);
  g_assert_false (sy_engine_remove_upstream (engine, "work", "zzz", &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (sy_engine_remove_upstream (engine, "work", "b", &error));

  /* the inbound now routes to the pool, so the pool cannot go */
  inbound = sy_inbound_config_copy (g_ptr_array_index (sy_engine_get_config (engine)->inbounds, 0));
  g_free (inbound->outbound);
  inbound->outbound = g_strdup ("work");
  g_assert_true (sy_engine_set_inbound (engine, inbound, &error));
  g_assert_no_error (error);

  before = sy_config_copy (sy_engine_get_config (engine));
  g_assert_false (sy_engine_remove_pool (engine, "work", &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "main"));
  g_clear_error (&error);
  g_assert_true (sy_config_equal (before, sy_engine_get_config (engine)));

  /* every successful edit asked to be persisted, failures did not */
  g_assert_cmpuint (config_changes, ==, 8);
  g_assert_cmpuint (pools_changes, ==, 8);

  g_free (inbound->outbound);
  inbound->outbound = g_strdup ("direct");
  g_assert_true (sy_engine_set_inbound (engine, inbound, &error));
  g_assert_true (sy_engine_remove_pool (engine, "work", &error));
  g_assert_null (sy_engine_find_pool (engine, "work"));
  g_assert_cmpuint (sy_engine_get_pools (engine)->len, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/engine/start-stop", test_start_stop);
  g_test_add_func ("/core/engine/start-fails-on-busy-port", test_start_fails_on_busy_port);
  g_test_add_func ("/core/engine/rebind-all-or-nothing", test_rebind_all_or_nothing);
  g_test_add_func ("/core/engine/pool-edits", test_pool_edits);

  return g_test_run ();
}
