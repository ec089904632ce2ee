/* test-wg-device.c — two SyWgDevices talking over loopback
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Device A (ephemeral port) has B (ListenPort) as its peer with an endpoint;
 * B knows A's key but not where A is, so every exchange starts with A's
 * handshake and B learns A's address by roaming. Tests that need to look
 * inside (sessions, timers, counters) use sy-wg-device-private.h.
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "util/sy-error.h"
#include "wireguard/sy-wg-crypto.h"
#include "wireguard/sy-wg-device-private.h"
#include "wireguard/sy-wg-device.h"

#include "wg-test-packets.h"

#define A_ADDR4 "10.0.0.1"
#define B_ADDR4 "10.0.0.2"
#define A_ADDR6 "fd00::1"
#define B_ADDR6 "fd00::2"

/* ---- main loop helpers --------------------------------------------------- */

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (gpointer data);

/* Runs the default main context until @condition holds or @timeout_ms
 * passes; returns whether it holds. */
static gboolean
run_until (Condition  condition,
           gpointer   data,
           guint      timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, set_flag, &timed_out);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return condition (data);
}

static void
run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* ---- devices ------------------------------------------------------------- */

typedef struct
{
  GPtrArray *packets;     /* GBytes */
  guint64    bytes;
  guint      count;
  gboolean   keep;        /* store packets (else only count) */
} Sink;

static void
sink_cb (const guint8 *packet,
         gsize         length,
         gpointer      user_data)
{
  Sink *sink = user_data;

  sink->count++;
  sink->bytes += length;
  if (sink->keep)
    g_ptr_array_add (sink->packets, g_bytes_new (packet, length));
}

static void
sink_init (Sink *sink)
{
  memset (sink, 0, sizeof *sink);
  sink->packets = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  sink->keep = TRUE;
}

static void
sink_reset (Sink *sink)
{
  g_ptr_array_set_size (sink->packets, 0);
  sink->bytes = 0;
  sink->count = 0;
}

typedef struct
{
  guint8      a_private[32];
  guint8      a_public[32];
  guint8      b_private[32];
  guint8      b_public[32];
  SyWgDevice *a;
  SyWgDevice *b;
  Sink        a_sink;
  Sink        b_sink;
  guint       a_changes;
  SyWgTimings timings;
  gboolean    has_timings;
  guint16     a_keepalive;      /* A's PersistentKeepalive for B */
  guint16     a_listen_port;
  gboolean    b_knows_a;        /* B has A's endpoint (127.0.0.1:a_listen_port) */
} Pair;

static void
add_prefix (SyWgPeer   *peer,
            const char *text)
{
  SyWgPrefix prefix;

  g_assert_true (sy_wg_prefix_parse (text, &prefix, NULL));
  g_array_append_val (peer->allowed_ips, prefix);
}

static SyWgProfile *
make_profile (const char   *name,
              const guint8  private_key[32],
              guint16       listen_port,
              const guint8  peer_public[32],
              const char   *endpoint_host,
              guint16       endpoint_port,
              const char   *allowed_ips)
{
  SyWgProfile *profile = sy_wg_profile_new (name);
  SyWgPeer *peer = sy_wg_peer_new ();
  g_auto(GStrv) prefixes = g_strsplit (allowed_ips, ",", -1);

  memcpy (profile->private_key, private_key, 32);
  profile->listen_port = listen_port;
  memcpy (peer->public_key, peer_public, 32);
  peer->endpoint_host = g_strdup (endpoint_host);
  peer->endpoint_port = endpoint_port;
  for (guint i = 0; prefixes[i] != NULL; i++)
    add_prefix (peer, prefixes[i]);
  g_ptr_array_add (profile->peers, peer);
  return profile;
}

static void
on_peer_changed (SyWgDevice *device,
                 guint       position,
                 gpointer    user_data)
{
  Pair *pair = user_data;

  g_assert_cmpuint (position, ==, 0);
  pair->a_changes++;
}

static SyWgDevice *
start_device (SyWgProfile *profile,
              Pair        *pair,
              Sink        *sink)
{
  g_autoptr(GError) error = NULL;
  SyWgDevice *device = sy_wg_device_new (profile, &error);

  g_assert_no_error (error);
  g_assert_nonnull (device);
  if (pair->has_timings)
    sy_wg_device_set_timings (device, &pair->timings);
  sy_wg_device_set_packet_handler (device, sink_cb, sink);
  g_assert_true (sy_wg_device_start (device, &error));
  g_assert_no_error (error);
  g_assert_true (sy_wg_device_is_running (device));
  return device;
}

static void
start_b (Pair    *pair,
         guint16  port)
{
  g_autoptr(SyWgProfile) profile =
    make_profile ("b", pair->b_private, port, pair->a_public,
                  pair->b_knows_a ? "127.0.0.1" : NULL, pair->b_knows_a ? pair->a_listen_port : 0,
                  A_ADDR4 "/32," A_ADDR6 "/128");

  pair->b = start_device (profile, pair, &pair->b_sink);
  g_assert_cmpuint (sy_wg_device_get_listen_port (pair->b), !=, 0);
  if (port != 0)
    g_assert_cmpuint (sy_wg_device_get_listen_port (pair->b), ==, port);
}

/* A reaches B at @host (NULL: 127.0.0.1) and B's port. */
static void
start_a (Pair       *pair,
         const char *host,
         guint16     port)
{
  g_autoptr(SyWgProfile) profile =
    make_profile ("a", pair->a_private, pair->a_listen_port, pair->b_public,
                  host != NULL ? host : "127.0.0.1",
                  port != 0 ? port : sy_wg_device_get_listen_port (pair->b),
                  B_ADDR4 "/32," B_ADDR6 "/128,10.9.0.0/16");

  ((SyWgPeer *) g_ptr_array_index (profile->peers, 0))->persistent_keepalive = pair->a_keepalive;
  pair->a = start_device (profile, pair, &pair->a_sink);
  g_signal_connect (pair->a, "peer-changed", G_CALLBACK (on_peer_changed), pair);
}

static void
pair_init (Pair              *pair,
           const SyWgTimings *timings)
{
  memset (pair, 0, sizeof *pair);
  sy_wg_generate_private_key (pair->a_private);
  sy_wg_derive_public_key (pair->a_public, pair->a_private);
  sy_wg_generate_private_key (pair->b_private);
  sy_wg_derive_public_key (pair->b_public, pair->b_private);
  sink_init (&pair->a_sink);
  sink_init (&pair->b_sink);
  if (timings != NULL)
    {
      pair->timings = *timings;
      pair->has_timings = TRUE;
    }
}

static void
pair_start (Pair              *pair,
            const SyWgTimings *timings)
{
  pair_init (pair, timings);
  start_b (pair, 0);
  start_a (pair, NULL, 0);
}

static void
pair_clear (Pair *pair)
{
  g_clear_object (&pair->a);
  g_clear_object (&pair->b);
  g_clear_pointer (&pair->a_sink.packets, g_ptr_array_unref);
  g_clear_pointer (&pair->b_sink.packets, g_ptr_array_unref);
  /* Let destroyed sources go. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The whitepaper's timings shrunk 80 times, relations kept: a rekey every
 * 1.5 s, sessions rejected after 2.25 s, keys zeroed after 6.75 s. */
static void
fast_timings (SyWgTimings *t)
{
  sy_wg_timings_init_default (t);
  t->rekey_after_time_ms = 1500;
  t->reject_after_time_ms = 2250;
  t->rekey_attempt_time_ms = 1125;
  t->rekey_timeout_ms = 62;
  t->keepalive_timeout_ms = 125;
}

static SyWgPeerStatus *
status_of (SyWgDevice *device)
{
  g_autoptr(GPtrArray) statuses = sy_wg_device_dup_peer_status (device);

  g_assert_cmpuint (statuses->len, ==, 1);
  return g_ptr_array_steal_index (statuses, 0);
}

static gboolean
both_up (gpointer data)
{
  Pair *pair = data;
  g_autoptr(SyWgPeerStatus) a = status_of (pair->a);
  g_autoptr(SyWgPeerStatus) b = status_of (pair->b);

  return a->state == SY_WG_PEER_STATE_UP && b->state == SY_WG_PEER_STATE_UP;
}

typedef struct
{
  Sink  *sink;
  guint  count;
} SinkWait;

static gboolean
sink_has (gpointer data)
{
  SinkWait *wait = data;

  return wait->sink->count >= wait->count;
}

static gboolean
wait_packets (Sink  *sink,
              guint  count,
              guint  timeout_ms)
{
  SinkWait wait = { sink, count };

  return run_until (sink_has, &wait, timeout_ms);
}

static gboolean
send4 (SyWgDevice *device,
       const char *source,
       const char *destination,
       gsize       payload_len,
       guint32     sequence)
{
  guint8 packet[2048];
  gsize length = wg_test_build_ipv4 (packet, source, destination, 253, payload_len, sequence);

  return sy_wg_device_send_packet (device, packet, length);
}

static gboolean
send6 (SyWgDevice *device,
       const char *source,
       const char *destination,
       gsize       payload_len,
       guint32     sequence)
{
  guint8 packet[2048];
  gsize length = wg_test_build_ipv6 (packet, source, destination, 253, payload_len, sequence);

  return sy_wg_device_send_packet (device, packet, length);
}

static void
assert_packet (Sink        *sink,
               guint        index,
               gboolean     ipv6,
               const char  *source,
               const char  *destination,
               gsize        payload_len,
               guint32      sequence)
{
  guint8 expected[2048];
  gsize length = ipv6
    ? wg_test_build_ipv6 (expected, source, destination, 253, payload_len, sequence)
    : wg_test_build_ipv4 (expected, source, destination, 253, payload_len, sequence);
  GBytes *got;

  g_assert_cmpuint (index, <, sink->packets->len);
  got = g_ptr_array_index (sink->packets, index);
  /* Exactly the packet sent: padding cut off, nothing changed. */
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), expected, length);
}

static SyWgDevicePeer *
peer_of (SyWgDevice *device)
{
  return sy_wg_device_get_peer (device, 0);
}

/* ---- tests --------------------------------------------------------------- */

static void
test_exchange (void)
{
  Pair pair;
  g_autoptr(SyWgPeerStatus) a = NULL;
  g_autoptr(SyWgPeerStatus) b = NULL;
  g_autofree char *b_endpoint = NULL;
  g_autoptr(GInetAddress) routed = g_inet_address_new_from_string ("10.9.8.7");
  g_autoptr(GInetAddress) unrouted = g_inet_address_new_from_string ("10.10.0.1");
  guint changes;

  pair_start (&pair, NULL);

  a = status_of (pair.a);
  g_assert_cmpint (a->state, ==, SY_WG_PEER_STATE_IDLE);
  g_assert_cmpuint (a->handshakes, ==, 0);
  b_endpoint = g_strdup_printf ("127.0.0.1:%u", sy_wg_device_get_listen_port (pair.b));
  g_assert_cmpstr (a->endpoint, ==, b_endpoint);
  g_clear_pointer (&a, sy_wg_peer_status_free);

  g_assert_true (sy_wg_device_has_route (pair.a, routed));
  g_assert_false (sy_wg_device_has_route (pair.a, unrouted));
  /* No peer for it: the caller may answer with ICMP unreachable. */
  g_assert_false (send4 (pair.a, A_ADDR4, "10.10.0.1", 10, 0));

  /* The first packets wait for the handshake, then go in order. */
  g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 100, 1));
  g_assert_true (send6 (pair.a, A_ADDR6, B_ADDR6, 1, 2));
  g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 0, 3));
  g_assert_true (send4 (pair.a, A_ADDR4, "10.9.1.1", 1380, 4));   /* routed by the /16 */
  g_assert_true (wait_packets (&pair.b_sink, 4, 5000));
  assert_packet (&pair.b_sink, 0, FALSE, A_ADDR4, B_ADDR4, 100, 1);
  assert_packet (&pair.b_sink, 1, TRUE, A_ADDR6, B_ADDR6, 1, 2);
  assert_packet (&pair.b_sink, 2, FALSE, A_ADDR4, B_ADDR4, 0, 3);
  assert_packet (&pair.b_sink, 3, FALSE, A_ADDR4, "10.9.1.1", 1380, 4);

  /* B answers A over the session B now knows (A's endpoint by roaming). */
  g_assert_true (send6 (pair.b, B_ADDR6, A_ADDR6, 500, 5));
  g_assert_true (send4 (pair.b, B_ADDR4, A_ADDR4, 20, 6));
  g_assert_true (wait_packets (&pair.a_sink, 2, 5000));
  assert_packet (&pair.a_sink, 0, TRUE, B_ADDR6, A_ADDR6, 500, 5);
  assert_packet (&pair.a_sink, 1, FALSE, B_ADDR4, A_ADDR4, 20, 6);

  g_assert_true (run_until (both_up, &pair, 2000));
  a = status_of (pair.a);
  b = status_of (pair.b);
  g_assert_cmpuint (a->handshakes, ==, 1);
  g_assert_cmpuint (b->handshakes, ==, 1);
  g_assert_cmpint (a->last_handshake, >, 0);
  g_assert_cmpint (b->last_handshake, >, 0);
  g_assert_cmpuint (a->tx_bytes, ==, 120 + 41 + 20 + 1400);
  g_assert_cmpuint (b->rx_bytes, ==, a->tx_bytes);
  g_assert_cmpuint (b->tx_bytes, ==, 540 + 40);
  g_assert_cmpuint (a->rx_bytes, ==, b->tx_bytes);
  g_free (b_endpoint);
  b_endpoint = g_strdup_printf ("127.0.0.1:%u", sy_wg_device_get_listen_port (pair.a));
  g_assert_cmpstr (b->endpoint, ==, b_endpoint);

  /* "peer-changed" came for the handshake, but not per packet. */
  run_for (50);
  g_assert_cmpuint (pair.a_changes, >=, 1);
  changes = pair.a_changes;
  for (guint i = 0; i < 500; i++)
    g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 64, 100 + i));
  g_assert_true (wait_packets (&pair.b_sink, 504, 5000));
  run_for (50);
  g_assert_cmpuint (pair.a_changes, ==, changes);

  pair_clear (&pair);
}

static void
test_source_filter (void)
{
  Pair pair;
  const SyWgDeviceCounters *counters;
  guint8 packet[256];
  gsize length;

  pair_start (&pair, NULL);
  counters = sy_wg_device_get_counters (pair.a);

  g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, 1));
  g_assert_true (wait_packets (&pair.b_sink, 1, 5000));

  /* B speaks for an address that is not in its AllowedIPs on A. */
  g_assert_true (send4 (pair.b, "10.0.0.99", A_ADDR4, 10, 2));
  g_assert_true (send6 (pair.b, "fd00::99", A_ADDR6, 10, 3));
  /* A packet whose header claims more bytes than there are. */
  length = wg_test_build_ipv4 (packet, B_ADDR4, A_ADDR4, 253, 40, 4);
  packet[3] += 100;
  g_assert_true (sy_wg_device_send_packet (pair.b, packet, length));
  /* Then an honest one, which must arrive alone. */
  g_assert_true (send4 (pair.b, B_ADDR4, A_ADDR4, 10, 5));
  g_assert_true (wait_packets (&pair.a_sink, 1, 5000));
  run_for (100);

  g_assert_cmpuint (pair.a_sink.count, ==, 1);
  assert_packet (&pair.a_sink, 0, FALSE, B_ADDR4, A_ADDR4, 10, 5);
  g_assert_cmpuint (counters->rx_bad_source, ==, 2);
  g_assert_cmpuint (counters->rx_bad_packet, ==, 1);

  pair_clear (&pair);
}

/* A datagram made with a copy of A's current sending keys, sent from
 * @socket: what an attacker who recorded traffic (replay) or a peer behind
 * a new NAT mapping (fresh counter) looks like to B. */
static void
send_with_keys (GSocket           *socket,
                SyWgDevice        *to,
                const SyWgKeypair *keys,
                guint64            counter,
                guint32            sequence)
{
  SyWgKeypair copy = *keys;
  guint8 packet[256];
  guint8 datagram[512];
  gsize length = wg_test_build_ipv4 (packet, A_ADDR4, B_ADDR4, 253, 30, sequence);
  gsize written;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address =
    g_inet_socket_address_new (loopback, sy_wg_device_get_listen_port (to));
  g_autoptr(GError) error = NULL;

  copy.send_counter = counter;
  written = sy_wg_transport_encrypt (&copy, packet, length, 1420, datagram, sizeof datagram);
  g_assert_cmpuint (written, >, 0);
  g_assert_cmpint (g_socket_send_to (socket, address, (const char *) datagram, written, NULL,
                                     &error), ==, (gssize) written);
  g_assert_no_error (error);
  sy_wg_keypair_clear (&copy);
}

static GSocket *
loopback_socket (guint16 *port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) local = NULL;

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);
  local = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  if (port != NULL)
    *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return g_steal_pointer (&socket);
}

static char *
endpoint_of (SyWgDevice *device)
{
  g_autoptr(SyWgPeerStatus) status = status_of (device);

  return g_strdup (status->endpoint);
}

static void
test_roaming (void)
{
  Pair pair;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) other = NULL;
  g_autofree char *before = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *now = NULL;
  const SyWgDeviceCounters *counters;
  SyWgDevicePeer *a_peer;
  SyWgDevicePeer *b_peer;
  guint16 old_port;
  guint16 other_port;
  guint8 forged[64];

  pair_start (&pair, NULL);
  counters = sy_wg_device_get_counters (pair.b);

  g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, 1));
  g_assert_true (wait_packets (&pair.b_sink, 1, 5000));
  g_assert_true (send4 (pair.b, B_ADDR4, A_ADDR4, 10, 2));
  g_assert_true (wait_packets (&pair.a_sink, 1, 5000));

  /* A's NAT mapping changes: same sessions, new source port. */
  old_port = sy_wg_device_get_listen_port (pair.a);
  g_assert_true (sy_wg_device_rebind (pair.a, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sy_wg_device_get_listen_port (pair.a), !=, old_port);
  before = endpoint_of (pair.b);
  now = g_strdup_printf ("127.0.0.1:%u", old_port);
  g_assert_cmpstr (before, ==, now);
  g_clear_pointer (&now, g_free);

  g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, 3));
  g_assert_true (wait_packets (&pair.b_sink, 2, 5000));
  expected = g_strdup_printf ("127.0.0.1:%u", sy_wg_device_get_listen_port (pair.a));
  now = endpoint_of (pair.b);
  g_assert_cmpstr (now, ==, expected);
  g_clear_pointer (&now, g_free);
  /* and B's answer reaches A at the new port */
  g_assert_true (send4 (pair.b, B_ADDR4, A_ADDR4, 10, 4));
  g_assert_true (wait_packets (&pair.a_sink, 2, 5000));

  /* Only authenticated, fresh messages move the endpoint. */
  other = loopback_socket (&other_port);
  a_peer = peer_of (pair.a);
  b_peer = peer_of (pair.b);
  g_assert_nonnull (a_peer->current);
  g_assert_nonnull (b_peer->current);

  /* forged: a known receiver index, garbage after it */
  sy_wg_random_bytes (forged, sizeof forged);
  forged[0] = 4;
  forged[1] = forged[2] = forged[3] = 0;
  sy_wg_write_le32 (forged + 4, b_peer->current->entry.index);
  {
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) address =
      g_inet_socket_address_new (loopback, sy_wg_device_get_listen_port (pair.b));

    g_assert_cmpint (g_socket_send_to (other, address, (const char *) forged, sizeof forged,
                                       NULL, &error), ==, sizeof forged);
    g_assert_no_error (error);
  }
  /* replayed: a counter B has seen */
  send_with_keys (other, pair.b, &a_peer->current->keypair, 0, 5);
  run_for (100);
  g_assert_cmpuint (counters->rx_replayed, ==, 1);
  g_assert_cmpuint (counters->rx_invalid, >=, 1);
  g_assert_cmpuint (pair.b_sink.count, ==, 2);
  now = endpoint_of (pair.b);
  g_assert_cmpstr (now, ==, expected);
  g_clear_pointer (&now, g_free);

  /* fresh: authentic and new, so B follows it */
  send_with_keys (other, pair.b, &a_peer->current->keypair,
                  a_peer->current->keypair.send_counter + 1000, 6);
  g_assert_true (wait_packets (&pair.b_sink, 3, 5000));
  assert_packet (&pair.b_sink, 2, FALSE, A_ADDR4, B_ADDR4, 30, 6);
  now = endpoint_of (pair.b);
  g_clear_pointer (&before, g_free);
  before = g_strdup_printf ("127.0.0.1:%u", other_port);
  g_assert_cmpstr (now, ==, before);
  g_clear_pointer (&now, g_free);

  /* and back to A when A speaks again */
  g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, 7));
  g_assert_true (wait_packets (&pair.b_sink, 4, 5000));
  now = endpoint_of (pair.b);
  g_assert_cmpstr (now, ==, expected);

  pair_clear (&pair);
}

typedef struct
{
  Pair    *pair;
  guint32  sent_a;
  guint32  sent_b;
  gint64   end;
} Traffic;

static gboolean
traffic_tick (gpointer data)
{
  Traffic *traffic = data;

  g_assert_true (send4 (traffic->pair->a, A_ADDR4, B_ADDR4, 200, traffic->sent_a++));
  g_assert_true (send6 (traffic->pair->b, B_ADDR6, A_ADDR6, 200, traffic->sent_b++));
  return g_get_monotonic_time () < traffic->end ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
test_rekey (void)
{
  Pair pair;
  SyWgTimings timings;
  Traffic traffic = { &pair, 0, 0, 0 };
  g_autoptr(SyWgPeerStatus) a = NULL;
  g_autoptr(SyWgPeerStatus) b = NULL;

  fast_timings (&timings);
  pair_start (&pair, &timings);
  pair.a_sink.keep = FALSE;
  pair.b_sink.keep = FALSE;

  /* 5 s of traffic both ways, a packet each way every 10 ms, across
   * rekeys every 1.5 s: the previous session keeps decrypting while the
   * next one is confirmed, so nothing is lost. */
  traffic.end = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  g_timeout_add (10, traffic_tick, &traffic);
  run_for (5200);
  g_assert_true (wait_packets (&pair.b_sink, traffic.sent_a, 2000));
  g_assert_true (wait_packets (&pair.a_sink, traffic.sent_b, 2000));
  g_assert_cmpuint (pair.b_sink.count, ==, traffic.sent_a);
  g_assert_cmpuint (pair.a_sink.count, ==, traffic.sent_b);
  g_assert_cmpuint (traffic.sent_a, >, 300);

  a = status_of (pair.a);
  b = status_of (pair.b);
  g_test_message ("handshakes in 5 s: A %u, B %u; packets %u/%u", a->handshakes, b->handshakes,
                  traffic.sent_a, traffic.sent_b);
  /* t = 0, then every Rekey-After-Time (1.5 s) */
  g_assert_cmpuint (a->handshakes, >=, 3);
  g_assert_cmpuint (b->handshakes, >=, 3);
  g_assert_cmpuint (a->handshakes, <=, 6);
  g_assert_cmpint (a->state, ==, SY_WG_PEER_STATE_UP);
  /* A initiated each one (only the initiator rekeys on time), and B's
   * sessions were all confirmed by A's traffic. */
  g_assert_true (peer_of (pair.a)->current->keypair.initiator);
  g_assert_false (peer_of (pair.b)->current->keypair.initiator);

  pair_clear (&pair);
}

static gboolean
no_keys (gpointer data)
{
  SyWgDevicePeer *peer = data;

  return peer->current == NULL && peer->previous == NULL && peer->next == NULL;
}

/* Rekey-After-Messages and Reject-After-Messages, shrunk to 50 and 100. */
static void
test_message_limits (void)
{
  Pair pair;
  SyWgTimings timings;
  g_autoptr(SyWgPeerStatus) status = NULL;
  g_autoptr(GSocket) other = NULL;
  const SyWgDeviceCounters *counters;
  SyWgKeypair keys;
  guint64 invalid;

  /* Short Rekey-Timeout too: 400 packets go out far faster than one
   * initiation per 5 s would renew their sessions. */
  fast_timings (&timings);
  timings.rekey_after_messages = 50;
  timings.reject_after_messages = 100;
  pair_start (&pair, &timings);
  pair.b_sink.keep = FALSE;
  counters = sy_wg_device_get_counters (pair.b);

  for (guint i = 0; i < 400; i++)
    {
      g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, i));
      if (!wait_packets (&pair.b_sink, i + 1, 3000))
        g_error ("packet %u not delivered (A sent %u initiations)", i,
                 peer_of (pair.a)->initiations_sent);
    }
  status = status_of (pair.a);
  g_test_message ("%u handshakes for 400 packets", status->handshakes);
  /* A new session after every 50 or so, none used past 100. */
  g_assert_cmpuint (status->handshakes, >=, 400 / 100);
  g_assert_cmpuint (status->handshakes, <=, 400 / 50 + 1);
  g_assert_cmpuint (peer_of (pair.a)->current->keypair.send_counter, <=, 100);

  /* B refuses an authentic message whose counter is past the limit. */
  keys = peer_of (pair.a)->current->keypair;
  other = loopback_socket (NULL);
  invalid = counters->rx_invalid;
  send_with_keys (other, pair.b, &keys, 150, 1);
  run_for (100);
  g_assert_cmpuint (counters->rx_invalid, ==, invalid + 1);
  g_assert_cmpuint (pair.b_sink.count, ==, 400);
  sy_wg_keypair_clear (&keys);

  pair_clear (&pair);
}

static void
test_reject_and_zero (void)
{
  Pair pair;
  SyWgTimings timings;
  SyWgDevicePeer *a_peer;
  SyWgDevicePeer *b_peer;
  g_autoptr(SyWgPeerStatus) status = NULL;
  gint64 up_at;

  fast_timings (&timings);
  pair_start (&pair, &timings);
  a_peer = peer_of (pair.a);
  b_peer = peer_of (pair.b);

  g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, 1));
  g_assert_true (wait_packets (&pair.b_sink, 1, 5000));
  g_assert_true (send4 (pair.b, B_ADDR4, A_ADDR4, 10, 2));
  g_assert_true (wait_packets (&pair.a_sink, 1, 5000));
  up_at = g_get_monotonic_time ();
  status = status_of (pair.a);
  g_assert_cmpint (status->state, ==, SY_WG_PEER_STATE_UP);
  g_clear_pointer (&status, sy_wg_peer_status_free);

  /* Quiet past Reject-After-Time: the session may no longer be used. */
  run_for (timings.reject_after_time_ms + 100);
  status = status_of (pair.a);
  g_assert_cmpint (status->state, !=, SY_WG_PEER_STATE_UP);
  g_assert_cmpuint (status->handshakes, ==, 1);
  g_clear_pointer (&status, sy_wg_peer_status_free);
  g_assert_nonnull (a_peer->current);   /* kept, unusable, until zeroed */

  /* 3 × Reject-After-Time after the session: every key is gone, on both
   * sides, and no timer is left armed. */
  g_assert_true (run_until (no_keys, a_peer, 3 * timings.reject_after_time_ms + 1000));
  g_assert_true (run_until (no_keys, b_peer, 1000));
  g_assert_cmpint (g_get_monotonic_time () - up_at, >=,
                   (3 * timings.reject_after_time_ms - 50) * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (a_peer->handshake_entry.index, ==, 0);
  g_assert_cmpuint (g_hash_table_size (pair.a->indices), ==, 0);
  g_assert_cmpuint (g_hash_table_size (pair.b->indices), ==, 0);
  run_for (50);
  g_assert_cmpint (g_source_get_ready_time (a_peer->timer_source), ==, -1);
  g_assert_cmpint (g_source_get_ready_time (b_peer->timer_source), ==, -1);
  status = status_of (pair.a);
  g_assert_cmpint (status->state, ==, SY_WG_PEER_STATE_IDLE);
  g_clear_pointer (&status, sy_wg_peer_status_free);

  /* Traffic brings a new session. */
  g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, 3));
  g_assert_true (wait_packets (&pair.b_sink, 2, 5000));
  status = status_of (pair.a);
  g_assert_cmpuint (status->handshakes, ==, 2);

  pair_clear (&pair);
}

static void
test_idle_no_wakeups (void)
{
  Pair pair;
  SyWgDevicePeer *a_peer;

  pair_start (&pair, NULL);
  a_peer = peer_of (pair.a);

  run_for (20);
  /* Nothing to do: no timer has a ready time, nothing is batched. */
  g_assert_cmpint (g_source_get_ready_time (a_peer->timer_source), ==, -1);
  g_assert_cmpint (g_source_get_ready_time (peer_of (pair.b)->timer_source), ==, -1);
  g_assert_cmpint (g_source_get_ready_time (pair.a->deferred_source), ==, -1);
  g_assert_cmpint (g_source_get_ready_time (pair.b->deferred_source), ==, -1);

  /* After an exchange, only the timers of §6 remain: keepalive and
   * new-handshake for a moment, then zero-keys minutes away. */
  g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, 1));
  g_assert_true (wait_packets (&pair.b_sink, 1, 5000));
  run_for (20);
  for (guint i = 0; i < SY_WG_N_TIMERS; i++)
    if (a_peer->deadlines[i] != 0)
      g_assert_true (i == SY_WG_TIMER_NEW_HANDSHAKE || i == SY_WG_TIMER_ZERO_KEY_MATERIAL);
  g_assert_cmpint (a_peer->deadlines[SY_WG_TIMER_PERSISTENT_KEEPALIVE], ==, 0);

  pair_clear (&pair);
}

typedef struct
{
  GSocket *socket;
  GArray  *times;     /* gint64, arrival of each initiation */
  guint    other;
} Listener;

static gboolean
listener_read (GSocket      *socket,
               GIOCondition  condition,
               gpointer      user_data)
{
  Listener *listener = user_data;
  guint8 buffer[2048];
  gssize n;

  while ((n = g_socket_receive (socket, (char *) buffer, sizeof buffer, NULL, NULL)) > 0)
    {
      if (n == SY_WG_INITIATION_LEN && buffer[0] == SY_WG_MESSAGE_INITIATION)
        {
          gint64 now = g_get_monotonic_time ();

          g_array_append_val (listener->times, now);
        }
      else
        listener->other++;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
peer_failing (gpointer data)
{
  SyWgDevice *device = data;
  g_autoptr(SyWgPeerStatus) status = status_of (device);

  return status->state == SY_WG_PEER_STATE_FAILING;
}

static gboolean
queue_empty (gpointer data)
{
  SyWgDevicePeer *peer = data;

  return peer->queue_length == 0;
}

static void
test_initiation_rate_limit (void)
{
  Pair pair;
  SyWgTimings timings;
  Listener listener = { 0 };
  g_autoptr(GSource) source = NULL;
  const SyWgDeviceCounters *counters;
  guint16 silent_port;
  gint64 start;
  guint before;

  sy_wg_timings_init_default (&timings);
  timings.rekey_timeout_ms = 300;
  timings.keepalive_timeout_ms = 1000;
  timings.rekey_after_time_ms = 5000;
  timings.reject_after_time_ms = 8000;
  timings.rekey_attempt_time_ms = 1500;     /* 5 retries */
  pair_init (&pair, &timings);

  /* A's peer is a socket that never answers. */
  listener.socket = loopback_socket (&silent_port);
  listener.times = g_array_new (FALSE, FALSE, sizeof (gint64));
  source = g_socket_create_source (listener.socket, G_IO_IN, NULL);
  g_source_set_callback (source, (GSourceFunc) (GCallback) listener_read, &listener, NULL);
  g_source_attach (source, NULL);
  start_a (&pair, NULL, silent_port);
  counters = sy_wg_device_get_counters (pair.a);

  /* A packet every 10 ms for 1 s asks for a handshake 100 times. */
  start = g_get_monotonic_time ();
  while (g_get_monotonic_time () - start < G_TIME_SPAN_SECOND)
    {
      g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, 0));
      run_for (10);
    }
  g_assert_cmpint (peer_of (pair.a)->queue_length, >, 0);

  /* One initiation per Rekey-Timeout (300 ms + up to 20 ms jitter). */
  g_assert_cmpuint (listener.times->len, >=, 3);
  g_assert_cmpuint (listener.times->len, <=, 4);
  for (guint i = 1; i < listener.times->len; i++)
    g_assert_cmpint (g_array_index (listener.times, gint64, i) -
                     g_array_index (listener.times, gint64, i - 1), >=,
                     (timings.rekey_timeout_ms - 10) * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (listener.other, ==, 0);

  /* While it waits the queue holds at most 128 packets, dropping the
   * oldest. */
  for (guint i = 0; i < 200; i++)
    g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, i));
  g_assert_cmpuint (peer_of (pair.a)->queue_length, ==, SY_WG_PEER_QUEUE_MAX);
  g_assert_cmpuint (counters->tx_queue_dropped, >=, 200 - SY_WG_PEER_QUEUE_MAX);

  /* Without traffic it retries for Rekey-Attempt-Time, then gives up:
   * state FAILING (already once Rekey-Attempt-Time passed), the queue
   * dropped, no more initiations. */
  g_assert_true (run_until (peer_failing, pair.a, 4000));
  g_assert_true (run_until (queue_empty, peer_of (pair.a), 4000));
  g_assert_true (peer_failing (pair.a));
  before = listener.times->len;
  run_for (1000);
  g_assert_cmpuint (listener.times->len, ==, before);
  g_assert_cmpint (g_source_get_ready_time (peer_of (pair.a)->timer_source), !=, 0);
  g_assert_cmpuint (pair.a_changes, >=, 1);

  g_source_destroy (source);
  g_clear_object (&listener.socket);
  g_array_unref (listener.times);
  pair_clear (&pair);
}

static void
test_cookie_under_load (void)
{
  Pair pair;
  SyWgTimings timings;
  const SyWgDeviceCounters *a_counters;
  const SyWgDeviceCounters *b_counters;
  g_autoptr(SyWgPeerStatus) status = NULL;

  fast_timings (&timings);
  pair_init (&pair, &timings);
  start_b (&pair, 0);
  sy_wg_device_set_under_load (pair.b, TRUE);
  start_a (&pair, NULL, 0);
  a_counters = sy_wg_device_get_counters (pair.a);
  b_counters = sy_wg_device_get_counters (pair.b);

  /* B answers the first initiation with a cookie; A's retransmit carries
   * mac2 and is answered. */
  g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, 1));
  g_assert_true (wait_packets (&pair.b_sink, 1, 5000));
  g_assert_cmpuint (b_counters->cookie_replies_sent, >=, 1);
  g_assert_cmpuint (a_counters->cookie_replies_received, >=, 1);
  g_assert_cmpuint (peer_of (pair.a)->initiations_sent, >=, 2);
  status = status_of (pair.a);
  g_assert_cmpuint (status->handshakes, ==, 1);
  g_assert_true (send4 (pair.b, B_ADDR4, A_ADDR4, 10, 2));
  g_assert_true (wait_packets (&pair.a_sink, 1, 5000));

  pair_clear (&pair);
}

/* B notices a flood by itself: initiations beyond SY_WG_UNDER_LOAD_PER_SECOND
 * a second are answered with cookies, not DH. */
static void
test_load_detection (void)
{
  Pair pair;
  SyWgIdentity identity;
  SyWgPeerStatic peer_static;
  SyWgHandshake handshake;
  SyWgCookieSender cookie;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) to = NULL;
  g_autoptr(GError) error = NULL;
  const SyWgDeviceCounters *counters;
  guint responses = 0;
  guint cookies = 0;
  gint64 deadline;

  pair_init (&pair, NULL);
  start_b (&pair, 0);
  counters = sy_wg_device_get_counters (pair.b);
  socket = loopback_socket (NULL);
  to = g_inet_socket_address_new (loopback, sy_wg_device_get_listen_port (pair.b));

  g_assert_true (sy_wg_identity_init (&identity, pair.a_private, &error));
  g_assert_true (sy_wg_peer_static_init (&peer_static, &identity, pair.b_public, NULL, &error));
  sy_wg_handshake_init (&handshake);
  sy_wg_cookie_sender_init (&cookie, pair.b_public);

  for (guint i = 0; i < 3 * SY_WG_UNDER_LOAD_PER_SECOND; i++)
    {
      SyWgMessageInitiation msg;

      g_assert_true (sy_wg_handshake_create_initiation (&handshake, &identity, &peer_static,
                                                        i + 1, &msg));
      sy_wg_cookie_sender_add_macs (&cookie, (guint8 *) &msg, sizeof msg, g_get_monotonic_time ());
      g_assert_cmpint (g_socket_send_to (socket, to, (const char *) &msg, sizeof msg, NULL, &error),
                       ==, sizeof msg);
    }

  deadline = g_get_monotonic_time () + 2 * G_TIME_SPAN_SECOND;
  while (g_get_monotonic_time () < deadline &&
         responses + cookies + counters->rx_invalid < 3 * SY_WG_UNDER_LOAD_PER_SECOND)
    {
      guint8 buffer[256];
      gssize n;

      g_main_context_iteration (NULL, FALSE);
      while ((n = g_socket_receive (socket, (char *) buffer, sizeof buffer, NULL, NULL)) > 0)
        {
          if (n == SY_WG_RESPONSE_LEN && buffer[0] == SY_WG_MESSAGE_RESPONSE)
            responses++;
          else if (n == SY_WG_COOKIE_REPLY_LEN && buffer[0] == SY_WG_MESSAGE_COOKIE)
            cookies++;
        }
    }

  /* The first is answered; the next ones, within 20 ms of it, are refused
   * by the handshake's own flood limit; past the threshold B asks for
   * cookies instead of doing any DH. */
  g_test_message ("responses %u, cookie replies %u, refused %" G_GUINT64_FORMAT,
                  responses, cookies, counters->rx_invalid);
  g_assert_cmpuint (responses, >=, 1);
  g_assert_cmpuint (cookies, >=, 2 * SY_WG_UNDER_LOAD_PER_SECOND - 1);
  g_assert_cmpuint (counters->cookie_replies_sent, ==, cookies);

  sy_wg_identity_clear (&identity);
  sy_wg_peer_static_clear (&peer_static);
  sy_wg_handshake_clear (&handshake);
  sy_wg_cookie_sender_clear (&cookie);
  pair_clear (&pair);
}

/* Under load a cookie lets a source in, but only at its own rate: a host
 * holding a fresh cookie cannot make B do a DH per datagram. */
static void
test_ratelimit_under_load (void)
{
  Pair pair;
  SyWgIdentity identity;
  SyWgPeerStatic peer_static;
  SyWgHandshake handshake;
  SyWgCookieSender cookie;
  SyWgMessageInitiation msg;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) to = NULL;
  g_autoptr(GError) error = NULL;
  const SyWgDeviceCounters *counters;
  guint8 buffer[256];
  gssize n = -1;
  guint responses = 0;
  gint64 deadline;

  pair_init (&pair, NULL);
  start_b (&pair, 0);
  sy_wg_device_set_under_load (pair.b, TRUE);
  counters = sy_wg_device_get_counters (pair.b);
  socket = loopback_socket (NULL);
  to = g_inet_socket_address_new (loopback, sy_wg_device_get_listen_port (pair.b));

  g_assert_true (sy_wg_identity_init (&identity, pair.a_private, &error));
  g_assert_true (sy_wg_peer_static_init (&peer_static, &identity, pair.b_public, NULL, &error));
  sy_wg_handshake_init (&handshake);
  sy_wg_cookie_sender_init (&cookie, pair.b_public);

  /* Without mac2: a cookie reply, which we take. */
  g_assert_true (sy_wg_handshake_create_initiation (&handshake, &identity, &peer_static, 1, &msg));
  sy_wg_cookie_sender_add_macs (&cookie, (guint8 *) &msg, sizeof msg, g_get_monotonic_time ());
  g_assert_cmpint (g_socket_send_to (socket, to, (const char *) &msg, sizeof msg, NULL, &error),
                   ==, sizeof msg);
  deadline = g_get_monotonic_time () + 2 * G_TIME_SPAN_SECOND;
  while (g_get_monotonic_time () < deadline &&
         (n = g_socket_receive (socket, (char *) buffer, sizeof buffer, NULL, NULL)) <= 0)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (n, ==, SY_WG_COOKIE_REPLY_LEN);
  g_assert_true (sy_wg_cookie_sender_consume_reply (&cookie, (SyWgMessageCookieReply *) buffer,
                                                    g_get_monotonic_time ()));

  /* With mac2, 50 at once: the burst passes the limiter, the rest not. */
  for (guint i = 0; i < 50; i++)
    {
      g_assert_true (sy_wg_handshake_create_initiation (&handshake, &identity, &peer_static,
                                                        i + 2, &msg));
      sy_wg_cookie_sender_add_macs (&cookie, (guint8 *) &msg, sizeof msg, g_get_monotonic_time ());
      g_assert_cmpint (g_socket_send_to (socket, to, (const char *) &msg, sizeof msg, NULL, &error),
                       ==, sizeof msg);
    }
  deadline = g_get_monotonic_time () + G_TIME_SPAN_SECOND;
  while (g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      while ((n = g_socket_receive (socket, (char *) buffer, sizeof buffer, NULL, NULL)) > 0)
        if (n == SY_WG_RESPONSE_LEN && buffer[0] == SY_WG_MESSAGE_RESPONSE)
          responses++;
      if (counters->rx_ratelimited + responses >= 45)
        break;
    }

  g_test_message ("responses %u, rate-limited %" G_GUINT64_FORMAT, responses,
                  counters->rx_ratelimited);
  g_assert_cmpuint (responses, ==, 1);
  g_assert_cmpuint (counters->rx_ratelimited, >=, 50 - SY_WG_RATELIMIT_BURST - 1);
  g_assert_cmpuint (counters->cookie_replies_sent, ==, 1);

  sy_wg_identity_clear (&identity);
  sy_wg_peer_static_clear (&peer_static);
  sy_wg_handshake_clear (&handshake);
  sy_wg_cookie_sender_clear (&cookie);
  pair_clear (&pair);
}

static void
test_peer_restart (void)
{
  Pair pair;
  SyWgTimings timings;
  guint16 b_port;
  guint sent = 0;
  gint64 deadline;
  g_autoptr(SyWgPeerStatus) status = NULL;

  fast_timings (&timings);
  pair_init (&pair, &timings);
  start_b (&pair, 0);
  b_port = sy_wg_device_get_listen_port (pair.b);
  start_a (&pair, NULL, 0);

  g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, sent++));
  g_assert_true (wait_packets (&pair.b_sink, 1, 5000));

  /* B restarts: same keys, same port, no memory of the session. */
  g_clear_object (&pair.b);
  sink_reset (&pair.b_sink);
  start_b (&pair, b_port);

  /* A keeps sending under its old session; hearing nothing back for
   * Keepalive-Timeout + Rekey-Timeout, it handshakes again. */
  deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  while (pair.b_sink.count == 0 && g_get_monotonic_time () < deadline)
    {
      g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, sent++));
      run_for (10);
    }
  g_assert_cmpuint (pair.b_sink.count, >, 0);
  status = status_of (pair.a);
  g_assert_cmpuint (status->handshakes, ==, 2);
  g_assert_true (send4 (pair.b, B_ADDR4, A_ADDR4, 10, 1));
  g_assert_true (wait_packets (&pair.a_sink, 1, 5000));

  pair_clear (&pair);
}

static void
test_resolve_name (void)
{
  Pair pair;

  pair_init (&pair, NULL);
  start_b (&pair, 0);
  /* "localhost" goes through GResolver (127.0.0.1 or ::1; B has both). */
  start_a (&pair, "localhost", 0);

  g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, 1));
  g_assert_true (wait_packets (&pair.b_sink, 1, 5000));
  g_assert_true (send4 (pair.b, B_ADDR4, A_ADDR4, 10, 2));
  g_assert_true (wait_packets (&pair.a_sink, 1, 5000));

  pair_clear (&pair);
}

static void
test_ipv6_endpoint (void)
{
  Pair pair;
  g_autofree char *expected = NULL;
  g_autofree char *endpoint = NULL;

  pair_init (&pair, NULL);
  start_b (&pair, 0);
  if (pair.b->fd6 < 0)
    {
      g_test_skip ("no IPv6 on this host");
      pair_clear (&pair);
      return;
    }
  start_a (&pair, "::1", 0);

  g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, 1));
  g_assert_true (wait_packets (&pair.b_sink, 1, 5000));
  g_assert_true (send6 (pair.b, B_ADDR6, A_ADDR6, 10, 2));
  g_assert_true (wait_packets (&pair.a_sink, 1, 5000));
  expected = g_strdup_printf ("[::1]:%u", sy_wg_device_get_listen_port (pair.a));
  endpoint = endpoint_of (pair.b);
  g_assert_cmpstr (endpoint, ==, expected);

  pair_clear (&pair);
}

/* PersistentKeepalive: the tunnel comes up at start without traffic, and
 * a keepalive goes out each interval while nothing else does. */
static void
test_persistent_keepalive (void)
{
  Pair pair;
  const SyWgDeviceCounters *counters;
  guint64 before;
  guint64 keepalives;

  pair_init (&pair, NULL);
  pair.a_keepalive = 1;
  start_b (&pair, 0);
  start_a (&pair, NULL, 0);
  counters = sy_wg_device_get_counters (pair.b);

  g_assert_true (run_until (both_up, &pair, 3000));
  run_for (100);
  before = counters->rx_datagrams;
  run_for (2300);
  keepalives = counters->rx_datagrams - before;
  g_assert_cmpuint (keepalives, >=, 2);
  g_assert_cmpuint (keepalives, <=, 3);
  g_assert_cmpuint (pair.b_sink.count, ==, 0);
  g_assert_cmpint (g_source_get_ready_time (peer_of (pair.a)->timer_source), !=, -1);

  pair_clear (&pair);
}

/* Both sides initiate at the same moment: each consumes the other's
 * initiation, which voids its own, and the retransmits sort it out. */
static void
test_simultaneous_initiation (void)
{
  Pair pair;
  SyWgTimings timings;
  g_autoptr(GSocket) probe = NULL;

  fast_timings (&timings);
  pair_init (&pair, &timings);
  /* A needs a fixed port for B to know: take a free one. */
  probe = loopback_socket (&pair.a_listen_port);
  g_socket_close (probe, NULL);
  pair.b_knows_a = TRUE;
  start_b (&pair, 0);
  start_a (&pair, NULL, 0);

  for (guint round = 0; round < 5; round++)
    {
      g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, round));
      g_assert_true (send4 (pair.b, B_ADDR4, A_ADDR4, 10, round));
      g_assert_true (wait_packets (&pair.b_sink, round + 1, 3000));
      g_assert_true (wait_packets (&pair.a_sink, round + 1, 3000));
      /* Forget the sessions on both sides and race again. */
      run_for (30);
      sy_wg_device_reset_peers (pair.a);
      sy_wg_device_reset_peers (pair.b);
    }

  pair_clear (&pair);
}

static void
test_reset_peers (void)
{
  Pair pair;
  g_autoptr(SyWgPeerStatus) status = NULL;

  pair_start (&pair, NULL);
  g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, 1));
  g_assert_true (wait_packets (&pair.b_sink, 1, 5000));

  /* "The network changed": A forgets its sessions and handshakes again
   * without waiting for traffic. (Not within 20 ms of the last
   * initiation, which B would refuse as a flood.) */
  run_for (50);
  sy_wg_device_reset_peers (pair.a);
  g_assert_null (peer_of (pair.a)->current);
  g_assert_true (run_until (both_up, &pair, 5000));
  status = status_of (pair.a);
  g_assert_cmpuint (status->handshakes, ==, 2);
  g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, 2));
  g_assert_true (wait_packets (&pair.b_sink, 2, 5000));

  pair_clear (&pair);
}

static void
test_listen_port_in_use (void)
{
  Pair pair;
  g_autoptr(SyWgProfile) profile = NULL;
  g_autoptr(SyWgDevice) device = NULL;
  g_autoptr(GError) error = NULL;

  pair_start (&pair, NULL);
  profile = make_profile ("c", pair.a_private, sy_wg_device_get_listen_port (pair.b),
                          pair.b_public, NULL, 0, "10.0.0.2/32");
  device = sy_wg_device_new (profile, &error);
  g_assert_no_error (error);
  g_assert_false (sy_wg_device_start (device, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_false (sy_wg_device_is_running (device));

  pair_clear (&pair);
}

static void
test_bad_profile (void)
{
  guint8 private_key[32];
  guint8 public_key[32];
  g_autoptr(SyWgProfile) profile = NULL;
  g_autoptr(SyWgDevice) device = NULL;
  g_autoptr(GError) error = NULL;

  sy_wg_generate_private_key (private_key);
  sy_wg_derive_public_key (public_key, private_key);
  /* Our own key as a peer: no handshake can ever work. */
  profile = make_profile ("self", private_key, 0, public_key, NULL, 0, "10.0.0.2/32");
  device = sy_wg_device_new (profile, &error);
  g_assert_null (device);
  g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
}

/* Not a check, a measurement: A → B over loopback, 1420-byte packets, both
 * devices on this one thread (so it is the cost of both ends). */
static void
test_throughput (void)
{
  Pair pair;
  guint8 packet[1420];
  gsize length = wg_test_build_ipv4 (packet, A_ADDR4, B_ADDR4, 253, sizeof packet - 20, 0);
  guint64 sent = 0;
  gint64 start;
  gint64 elapsed;

  pair_start (&pair, NULL);
  pair.b_sink.keep = FALSE;
  g_assert_true (send4 (pair.a, A_ADDR4, B_ADDR4, 10, 0));
  g_assert_true (wait_packets (&pair.b_sink, 1, 5000));
  sink_reset (&pair.b_sink);

  start = g_get_monotonic_time ();
  while ((elapsed = g_get_monotonic_time () - start) < 2 * G_TIME_SPAN_SECOND)
    {
      /* A burst, then let B drain it, as a netstack writing a window. */
      for (guint i = 0; i < 64; i++)
        {
          sy_wg_device_send_packet (pair.a, packet, length);
          sent++;
        }
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  run_for (50);

  g_test_message ("throughput A->B, 1420-byte packets: %.1f MB/s, %.0f packets/s "
                  "(%" G_GUINT64_FORMAT " sent, %u delivered)",
                  pair.b_sink.bytes / (elapsed / 1e6) / 1e6,
                  pair.b_sink.count / (elapsed / 1e6), sent, pair.b_sink.count);
  g_printerr ("# throughput A->B, 1420-byte packets: %.1f MB/s, %.0f packets/s "
              "(%" G_GUINT64_FORMAT " sent, %u delivered in %.2f s)\n",
              pair.b_sink.bytes / (elapsed / 1e6) / 1e6,
              pair.b_sink.count / (elapsed / 1e6), sent, pair.b_sink.count, elapsed / 1e6);
  g_assert_cmpuint (pair.b_sink.count, >, 0);

  pair_clear (&pair);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wireguard/device/exchange", test_exchange);
  g_test_add_func ("/wireguard/device/source-filter", test_source_filter);
  g_test_add_func ("/wireguard/device/roaming", test_roaming);
  g_test_add_func ("/wireguard/device/rekey", test_rekey);
  g_test_add_func ("/wireguard/device/message-limits", test_message_limits);
  g_test_add_func ("/wireguard/device/reject-and-zero", test_reject_and_zero);
  g_test_add_func ("/wireguard/device/idle-no-wakeups", test_idle_no_wakeups);
  g_test_add_func ("/wireguard/device/initiation-rate-limit", test_initiation_rate_limit);
  g_test_add_func ("/wireguard/device/cookie-under-load", test_cookie_under_load);
  g_test_add_func ("/wireguard/device/load-detection", test_load_detection);
  g_test_add_func ("/wireguard/device/ratelimit-under-load", test_ratelimit_under_load);
  g_test_add_func ("/wireguard/device/peer-restart", test_peer_restart);
  g_test_add_func ("/wireguard/device/resolve-name", test_resolve_name);
  g_test_add_func ("/wireguard/device/ipv6-endpoint", test_ipv6_endpoint);
  g_test_add_func ("/wireguard/device/persistent-keepalive", test_persistent_keepalive);
  g_test_add_func ("/wireguard/device/simultaneous-initiation", test_simultaneous_initiation);
  g_test_add_func ("/wireguard/device/reset-peers", test_reset_peers);
  g_test_add_func ("/wireguard/device/listen-port-in-use", test_listen_port_in_use);
  g_test_add_func ("/wireguard/device/bad-profile", test_bad_profile);
  g_test_add_func ("/wireguard/device/throughput", test_throughput);

  return g_test_run ();
}
