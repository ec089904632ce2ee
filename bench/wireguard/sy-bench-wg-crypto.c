/* sy-bench-wg-crypto.c — handshakes per second and transport throughput
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One thread, no I/O: the cost of WireGuard's cryptography alone.
 * - handshake: create_initiation + macs, mac1 check, consume_initiation,
 *   create_response + macs, mac1 check, consume_response, both keypairs
 *   (5 X25519 operations on each side, counting key generation).
 * - transport: sy_wg_transport_encrypt() and _decrypt() of 1420-byte
 *   packets (a full packet at WireGuard's default MTU), in place.
 *
 * Usage: sy-bench-wg-crypto [SECONDS-PER-TEST]   (default 2)
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "wireguard/sy-wg-cookie.h"
#include "wireguard/sy-wg-crypto.h"
#include "wireguard/sy-wg-noise.h"

#define PACKET_LEN 1420

typedef struct
{
  SyWgIdentity      identity;
  SyWgPeerStatic    peer;
  SyWgHandshake     handshake;
  SyWgCookieSender  sender;
  SyWgCookieChecker checker;
  SyWgKeypair       keypair;
} Side;

static gpointer
lookup (const guint8           public_key[SY_WG_KEY_LEN],
        SyWgHandshake        **handshake,
        const SyWgPeerStatic **peer_static,
        gpointer               user_data)
{
  Side *side = user_data;

  if (memcmp (public_key, side->peer.public_key, SY_WG_KEY_LEN) != 0)
    return NULL;
  *handshake = &side->handshake;
  *peer_static = &side->peer;
  return side;
}

static void
side_init (Side *side)
{
  guint8 key[SY_WG_KEY_LEN];

  memset (side, 0, sizeof *side);
  sy_wg_generate_private_key (key);
  if (!sy_wg_identity_init (&side->identity, key, NULL))
    g_error ("identity");
  sy_wg_cookie_checker_init (&side->checker, side->identity.public_key);
}

static void
side_meet (Side       *side,
           const Side *other)
{
  if (!sy_wg_peer_static_init (&side->peer, &side->identity, other->identity.public_key, NULL,
                               NULL))
    g_error ("peer");
  sy_wg_cookie_sender_init (&side->sender, other->identity.public_key);
}

static void
handshake_once (Side   *a,
                Side   *b,
                gint64  now)
{
  SyWgMessageInitiation init;
  SyWgMessageResponse resp;

  if (!sy_wg_handshake_create_initiation (&a->handshake, &a->identity, &a->peer, 1, &init))
    g_error ("create_initiation");
  sy_wg_cookie_sender_add_macs (&a->sender, (guint8 *) &init, sizeof init, now);
  if (!sy_wg_cookie_checker_check_mac1 (&b->checker, (guint8 *) &init, sizeof init) ||
      sy_wg_handshake_consume_initiation (&b->identity, &init, now, lookup, b) == NULL)
    g_error ("consume_initiation");
  if (!sy_wg_handshake_create_response (&b->handshake, &b->identity, &b->peer, 2, &resp))
    g_error ("create_response");
  sy_wg_cookie_sender_add_macs (&b->sender, (guint8 *) &resp, sizeof resp, now);
  if (!sy_wg_cookie_checker_check_mac1 (&a->checker, (guint8 *) &resp, sizeof resp) ||
      !sy_wg_handshake_consume_response (&a->handshake, &a->identity, &a->peer, &resp))
    g_error ("consume_response");
  if (!sy_wg_handshake_derive_keypair (&a->handshake, &a->keypair) ||
      !sy_wg_handshake_derive_keypair (&b->handshake, &b->keypair))
    g_error ("derive_keypair");
}

int
main (int   argc,
      char *argv[])
{
  double seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 2.0;
  gint64 budget = (gint64) (seconds * G_USEC_PER_SEC);
  Side a, b;
  gint64 start, elapsed, now = G_TIME_SPAN_SECOND;
  guint64 count;
  static guint8 buf[SY_WG_TRANSPORT_LEN (PACKET_LEN)];

  if (budget <= 0)
    {
      g_printerr ("usage: %s [SECONDS-PER-TEST]\n", argv[0]);
      return EXIT_FAILURE;
    }

  side_init (&a);
  side_init (&b);
  side_meet (&a, &b);
  side_meet (&b, &a);

  /* handshakes; the clock moves 1 s per handshake so the responder's
   * flood limit does not apply */
  count = 0;
  start = g_get_monotonic_time ();
  do
    {
      for (guint i = 0; i < 32; i++, count++)
        handshake_once (&a, &b, now += G_TIME_SPAN_SECOND);
      elapsed = g_get_monotonic_time () - start;
    }
  while (elapsed < budget);
  g_print ("handshake: %" G_GUINT64_FORMAT " complete handshakes in %.2f s: %.0f handshakes/s "
           "(%.1f us each, both sides)\n",
           count, elapsed / 1e6, count * 1e6 / elapsed, (double) elapsed / count);

  /* transport encrypt, in place at offset 16 as the device does it */
  memset (buf, 0x5a, sizeof buf);
  count = 0;
  start = g_get_monotonic_time ();
  do
    {
      for (guint i = 0; i < 1024; i++, count++)
        if (sy_wg_transport_encrypt (&a.keypair, buf + SY_WG_TRANSPORT_HEADER_LEN, PACKET_LEN, 1420,
                                     buf, sizeof buf) != sizeof buf)
          g_error ("encrypt");
      elapsed = g_get_monotonic_time () - start;
    }
  while (elapsed < budget);
  g_print ("encrypt:   %u-byte packets: %.0f packets/s, %.2f Gbit/s of payload\n", PACKET_LEN,
           count * 1e6 / elapsed, count * PACKET_LEN * 8.0 / (elapsed * 1e3));

  /* transport decrypt: the same sealed packet over and over (no replay
   * window here), in a copy so each round authenticates the ciphertext */
  {
    static guint8 sealed[sizeof buf];
    guint8 *plain;
    gsize plain_len;
    guint64 counter;

    a.keypair.send_counter = 0;
    memset (buf, 0x5a, sizeof buf);
    sy_wg_transport_encrypt (&a.keypair, buf + SY_WG_TRANSPORT_HEADER_LEN, PACKET_LEN, 1420,
                             sealed, sizeof sealed);
    count = 0;
    start = g_get_monotonic_time ();
    do
      {
        for (guint i = 0; i < 1024; i++, count++)
          {
            memcpy (buf, sealed, sizeof buf);
            if (!sy_wg_transport_decrypt (&b.keypair, buf, sizeof buf, &plain, &plain_len,
                                          &counter))
              g_error ("decrypt");
          }
        elapsed = g_get_monotonic_time () - start;
      }
    while (elapsed < budget);
    g_print ("decrypt:   %u-byte packets: %.0f packets/s, %.2f Gbit/s of payload "
             "(incl. a %zu-byte copy)\n",
             PACKET_LEN, count * 1e6 / elapsed, count * PACKET_LEN * 8.0 / (elapsed * 1e3),
             sizeof buf);
  }

  return EXIT_SUCCESS;
}
