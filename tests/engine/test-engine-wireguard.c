/* test-engine-wireguard.c — WireGuard profiles as outbounds of the engine
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No WireGuard server here (tests/service has one): the peers' endpoints are
 * loopback ports where nothing answers, which is enough to see tunnels built,
 * registered, started and stopped with the engine, and edits refused.
 */

#include "config.h"

#include <string.h>

#include "engine/sy-engine.h"
#include "util/sy-error.h"

/* RFC 7748 §6.1 keys, base64. */
#define ALICE_PRIVATE "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo="
#define BOB_PUBLIC    "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08="

static SyWgProfile *
make_profile_full (const char *name,
                   guint       mtu,
                   guint16     listen_port)
{
  g_autofree char *text = NULL;
  g_autofree char *filename = g_strdup_printf ("%s.conf", name);
  g_autoptr(GError) error = NULL;
  SyWgProfile *profile;

  /* Port 9 (discard) on loopback: handshakes go out and nobody answers.
   * The keepalive makes the peer handshake as soon as the tunnel starts. */
  text = g_strdup_printf ("[Interface]\n"
                          "PrivateKey = " ALICE_PRIVATE "\n"
                          "Address = 10.64.0.2/32\n"
                          "MTU = %u\n"
                          "ListenPort = %u\n"
                          "\n"
                          "[Peer]\n"
                          "PublicKey = " BOB_PUBLIC "\n"
                          "Endpoint = 127.0.0.1:9\n"
                          "AllowedIPs = 0.0.0.0/0\n"
                          "PersistentKeepalive = 25\n",
                          mtu, listen_port);
  profile = sy_wg_profile_parse_wg_quick (text, filename, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (profile->name, ==, name);

  return profile;
}

static SyWgProfile *
make_profile (const char *name,
              guint       mtu)
{
  return make_profile_full (name, mtu, 0);
}

static SyConfig *
config_on_port_zero (void)
{
  SyConfig *config = sy_config_new_default ();

  ((SyInboundConfig *) g_ptr_array_index (config->inbounds, 0))->port = 0;
  return config;
}

static void
count_cb (gpointer  instance,
          guint    *count)
{
  (*count)++;
}

static void
route_main (SyEngine   *engine,
            const char *outbound)
{
  g_autoptr(SyInboundConfig) inbound = NULL;
  g_autoptr(GError) error = NULL;

  inbound = sy_inbound_config_copy (sy_config_find_inbound (sy_engine_get_config (engine),
                                                            "main", NULL));
  g_free (inbound->outbound);
  inbound->outbound = g_strdup (outbound);
  g_assert_true (sy_engine_set_inbound (engine, inbound, &error));
  g_assert_no_error (error);
}

static void
test_profiles (void)
{
  g_autoptr(SyEngine) engine = sy_engine_new ();
  g_autoptr(SyConfig) config = config_on_port_zero ();
  g_autoptr(SyWgProfile) vpn = make_profile ("vpn", 1420);
  g_autoptr(SyWgProfile) vpn2 = make_profile ("vpn", 1280);
  g_autoptr(SyWgProfile) alt = make_profile ("alt", 1420);
  g_autoptr(GError) error = NULL;
  guint profiles_changed = 0;
  guint config_changed = 0;
  const SyConfig *current;

  g_assert_true (sy_engine_set_config (engine, config, &error));
  g_signal_connect (engine, "wireguard-profiles-changed", G_CALLBACK (count_cb),
                    &profiles_changed);
  g_signal_connect (engine, "config-changed", G_CALLBACK (count_cb), &config_changed);

  g_assert_true (sy_engine_set_wireguard_profile (engine, vpn, &error));
  g_assert_no_error (error);
  g_assert_true (sy_engine_set_wireguard_profile (engine, alt, &error));
  g_assert_cmpuint (profiles_changed, ==, 2);
  g_assert_cmpuint (config_changed, ==, 2);

  /* Kept in name order, as the directory gives them. */
  current = sy_engine_get_config (engine);
  g_assert_cmpuint (current->wireguard->len, ==, 2);
  g_assert_cmpstr (((SyWgProfile *) g_ptr_array_index (current->wireguard, 0))->name, ==, "alt");
  g_assert_cmpstr (((SyWgProfile *) g_ptr_array_index (current->wireguard, 1))->name, ==, "vpn");

  /* An inbound may route to it now; routing is a change of its users. */
  route_main (engine, "wireguard:vpn");
  g_assert_cmpuint (profiles_changed, ==, 3);

  /* Replacing keeps the users. */
  g_assert_true (sy_engine_set_wireguard_profile (engine, vpn2, &error));
  g_assert_no_error (error);
  current = sy_engine_get_config (engine);
  g_assert_cmpuint (sy_config_find_wireguard (current, "vpn", NULL)->mtu, ==, 1280);
  g_assert_cmpstr (sy_config_find_inbound (current, "main", NULL)->outbound, ==, "wireguard:vpn");
  g_assert_cmpuint (profiles_changed, ==, 4);

  /* Setting the same profile again changes nothing anyone sees. */
  g_assert_true (sy_engine_set_wireguard_profile (engine, vpn2, &error));
  g_assert_cmpuint (profiles_changed, ==, 4);

  /* An invalid profile changes nothing. */
  {
    g_autoptr(SyWgProfile) keyless = sy_wg_profile_copy (vpn);

    memset (keyless->private_key, 0, sizeof keyless->private_key);
    g_assert_false (sy_engine_set_wireguard_profile (engine, keyless, &error));
    g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_assert_cmpuint (sy_config_find_wireguard (sy_engine_get_config (engine), "vpn",
                                                NULL)->mtu, ==, 1280);
  }

  g_assert_false (sy_engine_remove_wireguard_profile (engine, "nope", &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_NOT_FOUND);
  g_clear_error (&error);
}

/* A profile in use cannot go: removing it would leave an inbound or a pool
 * pointing at nothing. */
static void
test_remove_in_use (void)
{
  g_autoptr(SyEngine) engine = sy_engine_new ();
  g_autoptr(SyConfig) config = config_on_port_zero ();
  g_autoptr(SyWgProfile) vpn = make_profile ("vpn", 1420);
  g_autoptr(SyPoolConfig) pool = sy_pool_config_new ("work");
  g_autoptr(GError) error = NULL;
  SyUpstreamConfig *member;
  guint changed = 0;

  g_ptr_array_add (config->wireguard, sy_wg_profile_ref (vpn));
  g_assert_true (sy_engine_set_config (engine, config, &error));
  g_assert_no_error (error);
  route_main (engine, "wireguard:vpn");

  member = sy_upstream_config_new_from_url ("wireguard:vpn", &error);
  g_assert_no_error (error);
  member->name = g_strdup ("tunnel");
  g_ptr_array_add (pool->upstreams, member);
  g_assert_true (sy_engine_add_pool (engine, pool, &error));
  g_assert_no_error (error);

  g_signal_connect (engine, "config-changed", G_CALLBACK (count_cb), &changed);

  g_assert_false (sy_engine_remove_wireguard_profile (engine, "vpn", &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==,
                   "WireGuard profile “vpn” is in use: route inbound “main” elsewhere and "
                   "remove it from pool “work” first");
  g_clear_error (&error);
  g_assert_nonnull (sy_config_find_wireguard (sy_engine_get_config (engine), "vpn", NULL));
  g_assert_cmpuint (changed, ==, 0);

  route_main (engine, "direct");
  g_assert_false (sy_engine_remove_wireguard_profile (engine, "vpn", &error));
  g_assert_cmpstr (error->message, ==,
                   "WireGuard profile “vpn” is in use: remove it from pool “work” first");
  g_clear_error (&error);

  g_assert_true (sy_engine_remove_pool (engine, "work", &error));
  g_assert_true (sy_engine_remove_wireguard_profile (engine, "vpn", &error));
  g_assert_no_error (error);
  g_assert_null (sy_config_find_wireguard (sy_engine_get_config (engine), "vpn", NULL));

  /* And a configuration naming a missing profile is refused whole. */
  {
    g_autoptr(SyConfig) broken = sy_config_copy (sy_engine_get_config (engine));
    SyInboundConfig *inbound = g_ptr_array_index (broken->inbounds, 0);

    g_free (inbound->outbound);
    inbound->outbound = g_strdup ("wireguard:vpn");
    g_assert_false (sy_engine_set_config (engine, broken, &error));
    g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
    g_assert_cmpstr (sy_config_find_inbound (sy_engine_get_config (engine), "main",
                                             NULL)->outbound, ==, "direct");
  }
}


static SyWireguardOutbound *
lookup (SyEngine   *engine,
        const char *outbound)
{
  SyOutbound *found = sy_dispatcher_lookup_outbound (sy_engine_get_dispatcher (engine), outbound);

  g_assert_nonnull (found);
  g_assert_true (SY_IS_WIREGUARD_OUTBOUND (found));
  return SY_WIREGUARD_OUTBOUND (found);
}

static gboolean
tunnel_runs (SyWireguardOutbound *outbound)
{
  return sy_wg_device_is_running (sy_wireguard_outbound_get_device (outbound));
}

static void
changed_cb (SyEngine   *engine,
            const char *profile,
            GPtrArray  *seen)
{
  g_ptr_array_add (seen, g_strdup (profile));
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Each profile is an outbound of the dispatcher whose tunnel runs exactly
 * while the engine runs; a change rebuilds only the profile it touches. */
static void
test_tunnels (void)
{
  g_autoptr(SyEngine) engine = sy_engine_new ();
  g_autoptr(SyConfig) config = config_on_port_zero ();
  g_autoptr(SyWgProfile) vpn2 = make_profile ("vpn", 1280);
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) peers = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyWireguardOutbound) old_vpn = NULL;
  g_autoptr(SyWireguardOutbound) old_alt = NULL;
  SyWireguardOutbound *vpn;
  SyWireguardOutbound *alt;
  SyWgPeerStatus *status;
  gboolean expired = FALSE;
  guint timeout;

  g_ptr_array_add (config->wireguard, make_profile ("alt", 1420));
  g_ptr_array_add (config->wireguard, make_profile ("vpn", 1420));
  g_assert_true (sy_engine_set_config (engine, config, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (sy_engine_get_wireguard (engine)->len, ==, 2);
  vpn = lookup (engine, "wireguard:vpn");
  alt = lookup (engine, "wireguard:alt");
  g_assert_true (sy_engine_find_wireguard (engine, "vpn") == vpn);
  g_assert_cmpstr (sy_outbound_get_name (SY_OUTBOUND (vpn)), ==, "wireguard:vpn");
  g_assert_cmpstr (sy_outbound_get_kind (SY_OUTBOUND (vpn)), ==, "wireguard");
  g_assert_null (sy_dispatcher_lookup_outbound (sy_engine_get_dispatcher (engine), "vpn"));

  /* Stopped: no tunnel, no peers to show. */
  g_assert_false (tunnel_runs (vpn));
  g_assert_null (sy_engine_dup_wireguard_peers (engine, "vpn", &error));
  g_assert_no_error (error);
  g_assert_null (sy_engine_dup_wireguard_peers (engine, "nope", &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_signal_connect (engine, "wireguard-changed", G_CALLBACK (changed_cb), seen);

  /* Started with the engine, and the keepalive peer handshakes at once. */
  g_assert_true (sy_engine_start (engine, &error));
  g_assert_no_error (error);
  g_assert_true (tunnel_runs (vpn));
  g_assert_true (tunnel_runs (alt));

  peers = sy_engine_dup_wireguard_peers (engine, "vpn", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (peers->len, ==, 1);
  status = g_ptr_array_index (peers, 0);
  g_assert_cmpstr (status->public_key, ==, BOB_PUBLIC);
  g_assert_cmpint (status->last_handshake, ==, 0);
  g_assert_cmpint (status->state, !=, SY_WG_PEER_STATE_UP);

  /* The peers' change reaches "wireguard-changed", batched, once per
   * profile per batch. */
  timeout = g_timeout_add (5000, timeout_cb, &expired);
  while (seen->len < 2 && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (expired);
  g_source_remove (timeout);
  g_assert_true (g_ptr_array_find_with_equal_func (seen, "vpn", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (seen, "alt", g_str_equal, NULL));

  /* A changed profile gets a new tunnel; the other keeps its own. */
  old_vpn = g_object_ref (vpn);
  g_assert_true (sy_engine_set_wireguard_profile (engine, vpn2, &error));
  g_assert_no_error (error);
  g_assert_false (tunnel_runs (old_vpn));
  g_assert_true (lookup (engine, "wireguard:alt") == alt);
  vpn = lookup (engine, "wireguard:vpn");
  g_assert_true (sy_wireguard_outbound_get_profile (vpn) == vpn2);
  g_assert_true (tunnel_runs (vpn));

  /* The same configuration again rebuilds nothing. */
  {
    g_autoptr(SyConfig) same = sy_config_copy (sy_engine_get_config (engine));

    g_assert_true (sy_engine_set_config (engine, same, &error));
    g_assert_true (lookup (engine, "wireguard:vpn") == vpn);
    g_assert_true (lookup (engine, "wireguard:alt") == alt);
  }

  /* Removing a profile closes its tunnel and its outbound. */
  old_alt = g_object_ref (alt);
  g_assert_true (sy_engine_remove_wireguard_profile (engine, "alt", &error));
  g_assert_no_error (error);
  g_assert_false (tunnel_runs (old_alt));
  g_assert_null (sy_dispatcher_lookup_outbound (sy_engine_get_dispatcher (engine),
                                                "wireguard:alt"));
  g_assert_cmpuint (sy_engine_get_wireguard (engine)->len, ==, 1);

  sy_engine_stop (engine);
  g_assert_false (tunnel_runs (vpn));
}

/* A tunnel that cannot start (its ListenPort is taken) fails the change
 * whole: the running tunnel stays as it was. */
static void
test_all_or_nothing (void)
{
  g_autoptr(SyEngine) engine = sy_engine_new ();
  g_autoptr(SyConfig) config = config_on_port_zero ();
  g_autoptr(GSocket) holder = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(SyWgProfile) clash = NULL;
  g_autoptr(GError) error = NULL;
  SyWireguardOutbound *vpn;
  guint16 port;

  holder = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new_from_string ("0.0.0.0", 0);
  g_assert_true (g_socket_bind (holder, address, FALSE, &error));
  bound = g_socket_get_local_address (holder, &error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  g_ptr_array_add (config->wireguard, make_profile ("vpn", 1420));
  g_assert_true (sy_engine_set_config (engine, config, &error));
  g_assert_true (sy_engine_start (engine, &error));
  g_assert_no_error (error);
  vpn = lookup (engine, "wireguard:vpn");
  g_assert_true (tunnel_runs (vpn));

  clash = make_profile_full ("vpn", 1420, port);
  g_assert_false (sy_engine_set_wireguard_profile (engine, clash, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "wireguard:vpn"));
  g_assert_nonnull (strstr (error->message, "in use"));
  g_clear_error (&error);

  g_assert_true (lookup (engine, "wireguard:vpn") == vpn);
  g_assert_true (tunnel_runs (vpn));
  g_assert_true (sy_wireguard_outbound_get_profile (vpn) ==
                 sy_config_find_wireguard (sy_engine_get_config (engine), "vpn", NULL));

  /* A profile without an address cannot be a tunnel's end. */
  {
    g_autoptr(SyWgProfile) addressless = make_profile ("vpn", 1420);

    g_array_set_size (addressless->addresses, 0);
    g_assert_false (sy_engine_set_wireguard_profile (engine, addressless, &error));
    g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "has no Address"));
    g_clear_error (&error);
  }

  /* Nor can the engine start while a ListenPort is taken. */
  sy_engine_stop (engine);
  {
    g_autoptr(SyConfig) taken = sy_config_copy (sy_engine_get_config (engine));
    g_auto(GStrv) listening = NULL;

    sy_wg_profile_unref (g_ptr_array_index (taken->wireguard, 0));
    g_ptr_array_index (taken->wireguard, 0) = sy_wg_profile_ref (clash);
    g_assert_true (sy_engine_set_config (engine, taken, &error));
    g_test_expect_message ("sy-engine", G_LOG_LEVEL_WARNING, "Could not start: *in use*");
    g_assert_false (sy_engine_start (engine, &error));
    g_test_assert_expected_messages ();
    g_assert_nonnull (error);
    g_assert_cmpint (sy_engine_get_state (engine), ==, SY_ENGINE_STATE_FAILED);
    listening = sy_engine_dup_listen_addresses (engine);
    g_assert_null (listening[0]);
  }
}

static void
keep_result_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* A pool member of kind wireguard goes through the profile's tunnel; with
 * nobody answering, the health check fails against the member. */
static void
test_pool_member (void)
{
  g_autoptr(SyEngine) engine = sy_engine_new ();
  g_autoptr(SyConfig) config = config_on_port_zero ();
  g_autoptr(SyPoolConfig) pool = sy_pool_config_new ("work");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SyUpstreamConfig *member;
  SyUpstream *upstream;
  gint64 latency;

  g_ptr_array_add (config->wireguard, make_profile ("vpn", 1420));
  member = sy_upstream_config_new_from_url ("wireguard:vpn", &error);
  member->name = g_strdup ("tunnel");
  g_ptr_array_add (pool->upstreams, member);
  pool->health.url = (g_free (pool->health.url), g_strdup ("http://10.64.0.1/"));
  pool->health.timeout_ms = 300;
  g_ptr_array_add (config->pools, g_steal_pointer (&pool));
  g_assert_true (sy_engine_set_config (engine, config, &error));
  g_assert_no_error (error);
  g_assert_true (sy_engine_start (engine, &error));

  sy_engine_test_upstream_async (engine, "work", "tunnel", NULL, keep_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  latency = sy_engine_test_upstream_finish (engine, result, &error);
  g_assert_cmpint (latency, ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_test_message ("%s", error->message);

  upstream = sy_pool_find_upstream (sy_engine_find_pool (engine, "work"), "tunnel");
  g_assert_cmpstr (sy_upstream_get_last_error (upstream), ==, error->message);
  g_assert_cmpstr (sy_outbound_get_kind (sy_upstream_get_dialer (upstream)), ==, "wireguard");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/wireguard/profiles", test_profiles);
  g_test_add_func ("/engine/wireguard/remove-in-use", test_remove_in_use);
  g_test_add_func ("/engine/wireguard/tunnels", test_tunnels);
  g_test_add_func ("/engine/wireguard/all-or-nothing", test_all_or_nothing);
  g_test_add_func ("/engine/wireguard/pool-member", test_pool_member);

  return g_test_run ();
}
