/* test-wg-cookie.c — mac1, mac2 and the cookie reply flow (§5.4.4, §5.4.7)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A responder under load answers an initiation without a valid mac2 with a
 * cookie reply; the initiator takes the cookie and its next initiation
 * carries a mac2 the responder accepts, and the handshake completes. Around
 * that: cookies are bound to the source address, to the message they
 * answer, to one use, and to two minutes.
 */

#include "config.h"

#include <stddef.h>
#include <string.h>

#include "wireguard/sy-wg-cookie.h"
#include "wireguard/sy-wg-crypto.h"
#include "wireguard/sy-wg-messages.h"
#include "wireguard/sy-wg-noise.h"

typedef struct
{
  SyWgIdentity      identity;
  SyWgPeerStatic    peer;
  SyWgHandshake     handshake;
  SyWgCookieSender  sender;    /* for what we send to the other side */
  SyWgCookieChecker checker;   /* for what the other side sends us */
  SyWgKeypair       keypair;
} Side;

typedef struct
{
  Side   initiator;
  Side   responder;
  gint64 now;
} Fixture;

static const guint8 initiator_address[4] = { 198, 51, 100, 7 };
static const guint16 initiator_port = 40000;

static gpointer
lookup_peer (const guint8           public_key[SY_WG_KEY_LEN],
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
side_init (Side         *side,
           const guint8  private_key[32])
{
  memset (side, 0, sizeof *side);
  g_assert_true (sy_wg_identity_init (&side->identity, private_key, NULL));
  sy_wg_cookie_checker_init (&side->checker, side->identity.public_key);
}

static void
side_meet (Side       *side,
           const Side *other)
{
  g_assert_true (sy_wg_peer_static_init (&side->peer, &side->identity,
                                         other->identity.public_key, NULL, NULL));
  sy_wg_cookie_sender_init (&side->sender, other->identity.public_key);
}

static void
fixture_init (Fixture *f)
{
  guint8 key[32];

  sy_wg_generate_private_key (key);
  side_init (&f->initiator, key);
  sy_wg_generate_private_key (key);
  side_init (&f->responder, key);
  side_meet (&f->initiator, &f->responder);
  side_meet (&f->responder, &f->initiator);
  f->now = 5000 * G_TIME_SPAN_SECOND;
}

static void
send_initiation (Fixture               *f,
                 guint32                index,
                 SyWgMessageInitiation *msg)
{
  g_assert_true (sy_wg_handshake_create_initiation (&f->initiator.handshake, &f->initiator.identity,
                                                    &f->initiator.peer, index, msg));
  sy_wg_cookie_sender_add_macs (&f->initiator.sender, (guint8 *) msg, sizeof *msg, f->now);
}

static gboolean
mac2_ok (Fixture      *f,
         const guint8 *msg,
         gsize         len,
         const guint8 *address,
         guint16       port)
{
  return sy_wg_cookie_checker_check_mac2 (&f->responder.checker, msg, len, address, 4, port,
                                          f->now);
}

static void
test_mac1 (void)
{
  Fixture f;
  SyWgMessageInitiation msg;
  guint8 expected[16], key[32];

  fixture_init (&f);
  send_initiation (&f, 1, &msg);

  /* mac1 = MAC(HASH("mac1----" || responder's public key), msg[0:116]) */
  sy_wg_hash2 (key, (const guint8 *) "mac1----", 8, f.responder.identity.public_key, 32);
  sy_wg_mac (expected, key, 32, (const guint8 *) &msg, offsetof (SyWgMessageInitiation, mac1));
  g_assert_cmpmem (msg.mac1, 16, expected, 16);
  /* no cookie yet: mac2 is zeros */
  g_assert_true (sy_wg_is_zero_ct (msg.mac2, 16));

  g_assert_true (sy_wg_cookie_checker_check_mac1 (&f.responder.checker, (guint8 *) &msg,
                                                  sizeof msg));
  /* the initiator's own checker (its own key) does not accept it */
  g_assert_false (sy_wg_cookie_checker_check_mac1 (&f.initiator.checker, (guint8 *) &msg,
                                                   sizeof msg));
  /* mac2 is outside mac1 */
  msg.mac2[0] ^= 1;
  g_assert_true (sy_wg_cookie_checker_check_mac1 (&f.responder.checker, (guint8 *) &msg,
                                                  sizeof msg));
}

/* The whole flow, as a device under load runs it. */
static void
test_cookie_flow (void)
{
  Fixture f;
  SyWgMessageInitiation first, second;
  SyWgMessageCookieReply reply;
  SyWgMessageResponse response;
  gpointer peer;

  fixture_init (&f);

  /* 1. under load, an initiation without mac2 gets a cookie reply */
  send_initiation (&f, 0x1234, &first);
  g_assert_true (sy_wg_cookie_checker_check_mac1 (&f.responder.checker, (guint8 *) &first,
                                                  sizeof first));
  g_assert_false (mac2_ok (&f, (guint8 *) &first, sizeof first, initiator_address, initiator_port));
  sy_wg_cookie_checker_create_reply (&f.responder.checker, (guint8 *) &first, sizeof first,
                                     initiator_address, 4, initiator_port, f.now, &reply);
  g_assert_cmpint (sy_wg_message_classify ((guint8 *) &reply, sizeof reply), ==,
                   SY_WG_MESSAGE_COOKIE);
  /* addressed to the index the initiator chose */
  g_assert_cmphex (sy_wg_message_receiver_index ((guint8 *) &reply, sizeof reply), ==, 0x1234);

  /* 2. the initiator takes the cookie */
  f.now += 100 * G_TIME_SPAN_MILLISECOND;
  g_assert_true (sy_wg_cookie_sender_consume_reply (&f.initiator.sender, &reply, f.now));
  g_assert_cmpint (f.initiator.sender.cookie_time, ==, f.now);

  /* 3. its next initiation carries a valid mac2 */
  f.now += 5 * G_TIME_SPAN_SECOND;
  send_initiation (&f, 0x5678, &second);
  g_assert_false (sy_wg_is_zero_ct (second.mac2, 16));
  g_assert_true (sy_wg_cookie_checker_check_mac1 (&f.responder.checker, (guint8 *) &second,
                                                  sizeof second));
  g_assert_true (mac2_ok (&f, (guint8 *) &second, sizeof second, initiator_address,
                          initiator_port));

  /* 4. which the responder accepts and answers; the handshake completes */
  peer = sy_wg_handshake_consume_initiation (&f.responder.identity, &second, f.now,
                                             lookup_peer, &f.responder);
  g_assert_true (peer == &f.responder);
  g_assert_true (sy_wg_handshake_create_response (&f.responder.handshake, &f.responder.identity,
                                                  &f.responder.peer, 0x9abc, &response));
  sy_wg_cookie_sender_add_macs (&f.responder.sender, (guint8 *) &response, sizeof response, f.now);
  g_assert_true (sy_wg_cookie_checker_check_mac1 (&f.initiator.checker, (guint8 *) &response,
                                                  sizeof response));
  g_assert_true (sy_wg_handshake_consume_response (&f.initiator.handshake, &f.initiator.identity,
                                                   &f.initiator.peer, &response));
  g_assert_true (sy_wg_handshake_derive_keypair (&f.initiator.handshake, &f.initiator.keypair));
  g_assert_true (sy_wg_handshake_derive_keypair (&f.responder.handshake, &f.responder.keypair));
  g_assert_cmpmem (f.initiator.keypair.send_key, 32, f.responder.keypair.receive_key, 32);

  /* under load, every single-bit change to the initiation (mac2 included)
   * fails mac1 or mac2 */
  for (gsize i = 0; i < sizeof second; i++)
    {
      SyWgMessageInitiation bad = second;

      ((guint8 *) &bad)[i] ^= 0x04;
      g_assert_false (sy_wg_cookie_checker_check_mac1 (&f.responder.checker, (guint8 *) &bad,
                                                       sizeof bad) &&
                      mac2_ok (&f, (guint8 *) &bad, sizeof bad, initiator_address, initiator_port));
    }
}

static void
test_cookie_bound_to_source (void)
{
  Fixture f;
  SyWgMessageInitiation msg;
  SyWgMessageCookieReply reply;
  static const guint8 other_address[4] = { 198, 51, 100, 8 };
  static const guint8 v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };

  fixture_init (&f);
  send_initiation (&f, 1, &msg);
  sy_wg_cookie_checker_create_reply (&f.responder.checker, (guint8 *) &msg, sizeof msg,
                                     initiator_address, 4, initiator_port, f.now, &reply);
  g_assert_true (sy_wg_cookie_sender_consume_reply (&f.initiator.sender, &reply, f.now));
  send_initiation (&f, 2, &msg);

  g_assert_true (mac2_ok (&f, (guint8 *) &msg, sizeof msg, initiator_address, initiator_port));
  /* someone else's address or port, or an IPv6 source */
  g_assert_false (mac2_ok (&f, (guint8 *) &msg, sizeof msg, other_address, initiator_port));
  g_assert_false (mac2_ok (&f, (guint8 *) &msg, sizeof msg, initiator_address, initiator_port + 1));
  g_assert_false (sy_wg_cookie_checker_check_mac2 (&f.responder.checker, (guint8 *) &msg,
                                                   sizeof msg,
                                                   v6, 16, initiator_port, f.now));

  /* cookies for IPv6 sources work the same */
  sy_wg_cookie_checker_create_reply (&f.responder.checker, (guint8 *) &msg, sizeof msg,
                                     v6, 16, 443, f.now, &reply);
  g_assert_true (sy_wg_cookie_sender_consume_reply (&f.initiator.sender, &reply, f.now));
  send_initiation (&f, 3, &msg);
  g_assert_true (sy_wg_cookie_checker_check_mac2 (&f.responder.checker, (guint8 *) &msg, sizeof msg,
                                                  v6, 16, 443, f.now));
  g_assert_false (mac2_ok (&f, (guint8 *) &msg, sizeof msg, initiator_address, initiator_port));
}

static void
test_reply_bound_to_message (void)
{
  Fixture f, other;
  SyWgMessageInitiation first, second;
  SyWgMessageCookieReply reply;

  fixture_init (&f);
  send_initiation (&f, 1, &first);
  sy_wg_cookie_checker_create_reply (&f.responder.checker, (guint8 *) &first, sizeof first,
                                     initiator_address, 4, initiator_port, f.now, &reply);

  /* the initiator has sent another message since: the reply answers the
   * old one (its mac1 is the associated data) and is refused */
  send_initiation (&f, 2, &second);
  g_assert_false (sy_wg_cookie_sender_consume_reply (&f.initiator.sender, &reply, f.now));
  g_assert_cmpint (f.initiator.sender.cookie_time, ==, 0);

  /* a reply to the current message works, once */
  sy_wg_cookie_checker_create_reply (&f.responder.checker, (guint8 *) &second, sizeof second,
                                     initiator_address, 4, initiator_port, f.now, &reply);
  g_assert_true (sy_wg_cookie_sender_consume_reply (&f.initiator.sender, &reply, f.now));
  g_assert_false (sy_wg_cookie_sender_consume_reply (&f.initiator.sender, &reply, f.now + 1));
  g_assert_cmpint (f.initiator.sender.cookie_time, ==, f.now);

  /* a reply encrypted under another responder's key is refused */
  fixture_init (&other);
  send_initiation (&f, 3, &first);
  sy_wg_cookie_checker_create_reply (&other.responder.checker, (guint8 *) &first, sizeof first,
                                     initiator_address, 4, initiator_port, f.now, &reply);
  g_assert_false (sy_wg_cookie_sender_consume_reply (&f.initiator.sender, &reply, f.now));

  /* nothing sent yet: nothing to accept */
  fixture_init (&other);
  sy_wg_cookie_checker_create_reply (&other.responder.checker, (guint8 *) &first, sizeof first,
                                     initiator_address, 4, initiator_port, f.now, &reply);
  g_assert_false (sy_wg_cookie_sender_consume_reply (&other.initiator.sender, &reply, f.now));
}

static void
test_tampered_reply (void)
{
  Fixture f;
  SyWgMessageInitiation msg;
  SyWgMessageCookieReply reply;

  fixture_init (&f);
  send_initiation (&f, 1, &msg);
  sy_wg_cookie_checker_create_reply (&f.responder.checker, (guint8 *) &msg, sizeof msg,
                                     initiator_address, 4, initiator_port, f.now, &reply);

  /* the nonce and the sealed cookie are authenticated (the receiver
   * index only routes the reply to a peer; the type is checked) */
  for (gsize i = 0; i < sizeof reply; i++)
    {
      SyWgMessageCookieReply bad = reply;

      if (i >= offsetof (SyWgMessageCookieReply, receiver_index) &&
          i < offsetof (SyWgMessageCookieReply, nonce))
        continue;
      ((guint8 *) &bad)[i] ^= 0x20;
      g_assert_false (sy_wg_cookie_sender_consume_reply (&f.initiator.sender, &bad, f.now));
    }
  g_assert_true (sy_wg_cookie_sender_consume_reply (&f.initiator.sender, &reply, f.now));

  /* two replies to the same message differ (random nonce) */
  {
    SyWgMessageCookieReply again;

    sy_wg_cookie_checker_create_reply (&f.responder.checker, (guint8 *) &msg, sizeof msg,
                                       initiator_address, 4, initiator_port, f.now, &again);
    g_assert_false (memcmp (&again, &reply, sizeof reply) == 0);
  }
}

static void
test_cookie_lifetime (void)
{
  Fixture f;
  SyWgMessageInitiation msg;
  SyWgMessageCookieReply reply;
  gint64 issued;

  fixture_init (&f);
  send_initiation (&f, 1, &msg);
  issued = f.now;
  sy_wg_cookie_checker_create_reply (&f.responder.checker, (guint8 *) &msg, sizeof msg,
                                     initiator_address, 4, initiator_port, f.now, &reply);
  g_assert_true (sy_wg_cookie_sender_consume_reply (&f.initiator.sender, &reply, f.now));

  /* just under two minutes: still sent, still accepted */
  f.now = issued + SY_WG_COOKIE_LIFETIME_US - 1;
  send_initiation (&f, 2, &msg);
  g_assert_false (sy_wg_is_zero_ct (msg.mac2, 16));
  g_assert_true (mac2_ok (&f, (guint8 *) &msg, sizeof msg, initiator_address, initiator_port));

  /* the responder's secret expired: the same mac2 no longer counts */
  f.now = issued + SY_WG_COOKIE_LIFETIME_US;
  g_assert_false (mac2_ok (&f, (guint8 *) &msg, sizeof msg, initiator_address, initiator_port));
  /* and the initiator stops sending the stale cookie */
  send_initiation (&f, 3, &msg);
  g_assert_true (sy_wg_is_zero_ct (msg.mac2, 16));

  /* a new reply comes from a new secret; the old cookie does not match it */
  {
    guint8 old_cookie[16];

    memcpy (old_cookie, f.initiator.sender.cookie, 16);
    sy_wg_cookie_checker_create_reply (&f.responder.checker, (guint8 *) &msg, sizeof msg,
                                       initiator_address, 4, initiator_port, f.now, &reply);
    g_assert_cmpint (f.responder.checker.secret_time, ==, f.now);
    g_assert_true (sy_wg_cookie_sender_consume_reply (&f.initiator.sender, &reply, f.now));
    g_assert_false (memcmp (old_cookie, f.initiator.sender.cookie, 16) == 0);
  }
  send_initiation (&f, 4, &msg);
  g_assert_true (mac2_ok (&f, (guint8 *) &msg, sizeof msg, initiator_address, initiator_port));

  /* within the lifetime, further replies keep the same secret (and cookie) */
  {
    guint8 cookie[16];

    memcpy (cookie, f.initiator.sender.cookie, 16);
    f.now += G_TIME_SPAN_SECOND;
    sy_wg_cookie_checker_create_reply (&f.responder.checker, (guint8 *) &msg, sizeof msg,
                                       initiator_address, 4, initiator_port, f.now, &reply);
    g_assert_true (sy_wg_cookie_sender_consume_reply (&f.initiator.sender, &reply, f.now));
    g_assert_cmpmem (cookie, 16, f.initiator.sender.cookie, 16);
  }
}

/* An initiator under load may answer a *response* with a cookie reply too;
 * mac1/mac2 work the same on the 92-byte message. */
static void
test_cookie_on_response (void)
{
  Fixture f;
  SyWgMessageInitiation init;
  SyWgMessageResponse resp;
  SyWgMessageCookieReply reply;
  static const guint8 responder_address[4] = { 203, 0, 113, 9 };

  fixture_init (&f);
  send_initiation (&f, 1, &init);
  g_assert_nonnull (sy_wg_handshake_consume_initiation (&f.responder.identity, &init, f.now,
                                                        lookup_peer, &f.responder));
  g_assert_true (sy_wg_handshake_create_response (&f.responder.handshake, &f.responder.identity,
                                                  &f.responder.peer, 77, &resp));
  sy_wg_cookie_sender_add_macs (&f.responder.sender, (guint8 *) &resp, sizeof resp, f.now);
  g_assert_true (sy_wg_cookie_checker_check_mac1 (&f.initiator.checker, (guint8 *) &resp,
                                                  sizeof resp));
  g_assert_false (sy_wg_cookie_checker_check_mac2 (&f.initiator.checker, (guint8 *) &resp,
                                                   sizeof resp,
                                                   responder_address, 4, 51820, f.now));

  sy_wg_cookie_checker_create_reply (&f.initiator.checker, (guint8 *) &resp, sizeof resp,
                                     responder_address, 4, 51820, f.now, &reply);
  g_assert_cmphex (sy_wg_message_receiver_index ((guint8 *) &reply, sizeof reply), ==, 77);
  g_assert_true (sy_wg_cookie_sender_consume_reply (&f.responder.sender, &reply, f.now));

  /* re-adding the macs to the same response now includes a valid mac2 */
  sy_wg_cookie_sender_add_macs (&f.responder.sender, (guint8 *) &resp, sizeof resp, f.now);
  g_assert_true (sy_wg_cookie_checker_check_mac2 (&f.initiator.checker, (guint8 *) &resp,
                                                  sizeof resp,
                                                  responder_address, 4, 51820, f.now));
  g_assert_true (sy_wg_handshake_consume_response (&f.initiator.handshake, &f.initiator.identity,
                                                   &f.initiator.peer, &resp));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wireguard/cookie/mac1", test_mac1);
  g_test_add_func ("/wireguard/cookie/flow", test_cookie_flow);
  g_test_add_func ("/wireguard/cookie/bound-to-source", test_cookie_bound_to_source);
  g_test_add_func ("/wireguard/cookie/reply-bound-to-message", test_reply_bound_to_message);
  g_test_add_func ("/wireguard/cookie/tampered-reply", test_tampered_reply);
  g_test_add_func ("/wireguard/cookie/lifetime", test_cookie_lifetime);
  g_test_add_func ("/wireguard/cookie/on-response", test_cookie_on_response);

  return g_test_run ();
}
