/* sy-wg-cookie.h — mac1, mac2 and cookie replies (§5.4.4, §5.4.7)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every handshake message carries mac1 = MAC(HASH(LABEL_MAC1 || receiver's
 * public key), message up to mac1): a responder checks it before any DH, so
 * only someone who knows its public key can make it work. Under load a
 * responder also demands mac2 = MAC(cookie, message up to mac2), where the
 * cookie is MAC(secret, sender's IP address || port) with a secret that
 * changes every two minutes. A sender without a fresh cookie gets a cookie
 * reply instead of a handshake response: the cookie, encrypted with
 * XChaCha20-Poly1305 under HASH(LABEL_COOKIE || responder's public key)
 * with the answered message's mac1 as associated data, so that only the
 * real sender of that message can use it.
 *
 * Two sides, two plain structs:
 * - SyWgCookieSender, one per peer: puts mac1/mac2 on the handshake messages
 *   we send to that peer and takes the cookie replies it sends us.
 * - SyWgCookieChecker, one per device: checks mac1/mac2 of messages sent to
 *   us and writes cookie replies. Deciding when we are "under load" is the
 *   caller's business.
 *
 * Times are monotonic microseconds (g_get_monotonic_time()).
 */

#pragma once

#include <glib.h>

#include "wireguard/sy-wg-messages.h"

G_BEGIN_DECLS

/* How long a cookie (and the secret it was made from) stays valid. */
#define SY_WG_COOKIE_LIFETIME_US  (120 * G_TIME_SPAN_SECOND)

/* The longest source address a cookie covers: IPv6 (16) + port (2). */
#define SY_WG_COOKIE_ADDRESS_MAX  18

typedef struct
{
  guint8   mac1_key[SY_WG_HASH_LEN];     /* HASH(LABEL_MAC1 || their public) */
  guint8   cookie_key[SY_WG_HASH_LEN];   /* HASH(LABEL_COOKIE || their public) */
  guint8   cookie[SY_WG_COOKIE_LEN];
  gint64   cookie_time;                  /* when the cookie arrived; 0: none */
  guint8   last_mac1[SY_WG_MAC_LEN];     /* mac1 of the last message we sent */
  gboolean have_last_mac1;
} SyWgCookieSender;

void     sy_wg_cookie_sender_init        (SyWgCookieSender             *sender,
                                          const guint8                  peer_public[SY_WG_KEY_LEN]);
void     sy_wg_cookie_sender_clear       (SyWgCookieSender             *sender);
/* Writes mac1 into the initiation or response @msg (@len 148 or 92, as
 * sy_wg_handshake_create_*() left it), and mac2 if we hold a cookie younger
 * than SY_WG_COOKIE_LIFETIME_US at @now_us (zeros otherwise). Remembers
 * mac1 for sy_wg_cookie_sender_consume_reply(). */
void     sy_wg_cookie_sender_add_macs    (SyWgCookieSender             *sender,
                                          guint8                       *msg,
                                          gsize                         len,
                                          gint64                        now_us);
/* Decrypts a cookie reply from this peer (the caller matched its receiver
 * index to a handshake message we sent). Accepted only if it answers the
 * last message we sent (its mac1 is the associated data) and only once;
 * then the next sy_wg_cookie_sender_add_macs() adds mac2. The caller
 * should not resend at once but wait for its retry timer (§5.3). */
gboolean sy_wg_cookie_sender_consume_reply (SyWgCookieSender             *sender,
                                            const SyWgMessageCookieReply *reply,
                                            gint64                        now_us);

typedef struct
{
  guint8 mac1_key[SY_WG_HASH_LEN];       /* HASH(LABEL_MAC1 || our public) */
  guint8 cookie_key[SY_WG_HASH_LEN];     /* HASH(LABEL_COOKIE || our public) */
  guint8 secret[SY_WG_HASH_LEN];         /* the random cookie secret */
  gint64 secret_time;                    /* when it was made; 0: never */
} SyWgCookieChecker;

void     sy_wg_cookie_checker_init       (SyWgCookieChecker            *checker,
                                          const guint8                  our_public[SY_WG_KEY_LEN]);
void     sy_wg_cookie_checker_clear      (SyWgCookieChecker            *checker);
/* Whether mac1 of the initiation or response @msg (@len 148 or 92) is
 * right for us. Constant time. FALSE for any other length. */
gboolean sy_wg_cookie_checker_check_mac1 (const SyWgCookieChecker      *checker,
                                          const guint8                 *msg,
                                          gsize                         len);
/* Whether mac2 of @msg is right for a cookie we would give its source
 * @address (4 or 16 bytes, network order) and @port (host order) at
 * @now_us. FALSE if our secret is older than SY_WG_COOKIE_LIFETIME_US. */
gboolean sy_wg_cookie_checker_check_mac2 (const SyWgCookieChecker      *checker,
                                          const guint8                 *msg,
                                          gsize                         len,
                                          const guint8                 *address,
                                          gsize                         address_len,
                                          guint16                       port,
                                          gint64                        now_us);
/* Writes the cookie reply that answers @msg (whose mac1 the caller has
 * checked) coming from @address/@port: receiver index = @msg's sender
 * index, a random nonce, the encrypted cookie. Makes a new secret first if
 * the current one is older than SY_WG_COOKIE_LIFETIME_US. */
void     sy_wg_cookie_checker_create_reply (SyWgCookieChecker          *checker,
                                            const guint8               *msg,
                                            gsize                       len,
                                            const guint8               *address,
                                            gsize                       address_len,
                                            guint16                     port,
                                            gint64                      now_us,
                                            SyWgMessageCookieReply     *reply);

G_END_DECLS
