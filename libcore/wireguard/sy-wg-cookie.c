/* sy-wg-cookie.c — mac1, mac2 and cookie replies (§5.4.4, §5.4.7)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-wireguard"

#include <string.h>

#include "wireguard/sy-wg-cookie.h"
#include "wireguard/sy-wg-crypto.h"

static void
label_key (guint8        out[SY_WG_HASH_LEN],
           const char   *label,
           const guint8  public_key[SY_WG_KEY_LEN])
{
  sy_wg_hash2 (out, (const guint8 *) label, strlen (label), public_key, SY_WG_KEY_LEN);
}

static gboolean
is_handshake_length (gsize len)
{
  return len == SY_WG_INITIATION_LEN || len == SY_WG_RESPONSE_LEN;
}

/* ---- sender ------------------------------------------------------------- */

void
sy_wg_cookie_sender_init (SyWgCookieSender *sender,
                          const guint8      peer_public[SY_WG_KEY_LEN])
{
  g_return_if_fail (sender != NULL);
  g_return_if_fail (peer_public != NULL);

  memset (sender, 0, sizeof *sender);
  label_key (sender->mac1_key, SY_WG_LABEL_MAC1, peer_public);
  label_key (sender->cookie_key, SY_WG_LABEL_COOKIE, peer_public);
}

void
sy_wg_cookie_sender_clear (SyWgCookieSender *sender)
{
  sy_wg_memzero (sender, sizeof *sender);
}

void
sy_wg_cookie_sender_add_macs (SyWgCookieSender *sender,
                              guint8           *msg,
                              gsize             len,
                              gint64            now_us)
{
  guint8 *mac1;
  guint8 *mac2;

  g_return_if_fail (sender != NULL);
  g_return_if_fail (msg != NULL);
  g_return_if_fail (is_handshake_length (len));

  mac1 = msg + SY_WG_MAC1_OFFSET (len);
  mac2 = msg + SY_WG_MAC2_OFFSET (len);

  sy_wg_mac (mac1, sender->mac1_key, SY_WG_HASH_LEN, msg, SY_WG_MAC1_OFFSET (len));
  memcpy (sender->last_mac1, mac1, SY_WG_MAC_LEN);
  sender->have_last_mac1 = TRUE;

  /* The responder's secret (and so our cookie) lives two minutes; an older
   * cookie would only earn another cookie reply. */
  if (sender->cookie_time != 0 && now_us - sender->cookie_time < SY_WG_COOKIE_LIFETIME_US)
    sy_wg_mac (mac2, sender->cookie, SY_WG_COOKIE_LEN, msg, SY_WG_MAC2_OFFSET (len));
  else
    memset (mac2, 0, SY_WG_MAC_LEN);
}

gboolean
sy_wg_cookie_sender_consume_reply (SyWgCookieSender             *sender,
                                   const SyWgMessageCookieReply *reply,
                                   gint64                        now_us)
{
  guint8 cookie[SY_WG_COOKIE_LEN];

  g_return_val_if_fail (sender != NULL, FALSE);
  g_return_val_if_fail (reply != NULL, FALSE);

  if (sy_wg_message_classify ((const guint8 *) reply, sizeof *reply) != SY_WG_MESSAGE_COOKIE ||
      !sender->have_last_mac1)
    return FALSE;

  /* The associated data binds the reply to the one message we sent: a
   * reply made for someone else's message (or an old one of ours) fails. */
  if (!sy_wg_xaead_decrypt (cookie, sender->cookie_key, reply->nonce,
                            reply->encrypted_cookie, sizeof reply->encrypted_cookie,
                            sender->last_mac1, SY_WG_MAC_LEN))
    return FALSE;

  memcpy (sender->cookie, cookie, SY_WG_COOKIE_LEN);
  sender->cookie_time = now_us != 0 ? now_us : 1;
  /* One reply per message: a replayed copy cannot refresh the cookie. */
  sender->have_last_mac1 = FALSE;
  sy_wg_memzero (cookie, sizeof cookie);
  return TRUE;
}

/* ---- checker ------------------------------------------------------------ */

void
sy_wg_cookie_checker_init (SyWgCookieChecker *checker,
                           const guint8       our_public[SY_WG_KEY_LEN])
{
  g_return_if_fail (checker != NULL);
  g_return_if_fail (our_public != NULL);

  memset (checker, 0, sizeof *checker);
  label_key (checker->mac1_key, SY_WG_LABEL_MAC1, our_public);
  label_key (checker->cookie_key, SY_WG_LABEL_COOKIE, our_public);
}

void
sy_wg_cookie_checker_clear (SyWgCookieChecker *checker)
{
  sy_wg_memzero (checker, sizeof *checker);
}

gboolean
sy_wg_cookie_checker_check_mac1 (const SyWgCookieChecker *checker,
                                 const guint8            *msg,
                                 gsize                    len)
{
  guint8 mac1[SY_WG_MAC_LEN];

  g_return_val_if_fail (checker != NULL, FALSE);

  if (msg == NULL || !is_handshake_length (len))
    return FALSE;

  sy_wg_mac (mac1, checker->mac1_key, SY_WG_HASH_LEN, msg, SY_WG_MAC1_OFFSET (len));
  return sy_wg_equal_ct (mac1, msg + SY_WG_MAC1_OFFSET (len), SY_WG_MAC_LEN);
}

/* cookie = MAC(secret, address || port): what that source must echo. */
static void
make_cookie (const SyWgCookieChecker *checker,
             const guint8            *address,
             gsize                    address_len,
             guint16                  port,
             guint8                   cookie[SY_WG_COOKIE_LEN])
{
  guint8 source[SY_WG_COOKIE_ADDRESS_MAX];

  memcpy (source, address, address_len);
  source[address_len] = (guint8) (port >> 8);
  source[address_len + 1] = (guint8) port;
  sy_wg_mac (cookie, checker->secret, sizeof checker->secret, source, address_len + 2);
}

static gboolean
secret_is_fresh (const SyWgCookieChecker *checker,
                 gint64                   now_us)
{
  return checker->secret_time != 0 &&
         now_us - checker->secret_time < SY_WG_COOKIE_LIFETIME_US;
}

gboolean
sy_wg_cookie_checker_check_mac2 (const SyWgCookieChecker *checker,
                                 const guint8            *msg,
                                 gsize                    len,
                                 const guint8            *address,
                                 gsize                    address_len,
                                 guint16                  port,
                                 gint64                   now_us)
{
  guint8 cookie[SY_WG_COOKIE_LEN];
  guint8 mac2[SY_WG_MAC_LEN];
  gboolean ok;

  g_return_val_if_fail (checker != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  g_return_val_if_fail (address_len == 4 || address_len == 16, FALSE);

  if (msg == NULL || !is_handshake_length (len) || !secret_is_fresh (checker, now_us))
    return FALSE;

  make_cookie (checker, address, address_len, port, cookie);
  sy_wg_mac (mac2, cookie, sizeof cookie, msg, SY_WG_MAC2_OFFSET (len));
  ok = sy_wg_equal_ct (mac2, msg + SY_WG_MAC2_OFFSET (len), SY_WG_MAC_LEN);
  sy_wg_memzero (cookie, sizeof cookie);
  return ok;
}

void
sy_wg_cookie_checker_create_reply (SyWgCookieChecker      *checker,
                                   const guint8           *msg,
                                   gsize                   len,
                                   const guint8           *address,
                                   gsize                   address_len,
                                   guint16                 port,
                                   gint64                  now_us,
                                   SyWgMessageCookieReply *reply)
{
  guint8 cookie[SY_WG_COOKIE_LEN];

  g_return_if_fail (checker != NULL);
  g_return_if_fail (msg != NULL);
  g_return_if_fail (is_handshake_length (len));
  g_return_if_fail (address != NULL);
  g_return_if_fail (address_len == 4 || address_len == 16);
  g_return_if_fail (reply != NULL);

  if (!secret_is_fresh (checker, now_us))
    {
      sy_wg_random_bytes (checker->secret, sizeof checker->secret);
      checker->secret_time = now_us != 0 ? now_us : 1;
    }

  memset (reply, 0, sizeof *reply);
  reply->type = SY_WG_MESSAGE_COOKIE;
  /* the sender index of an initiation or response, at the same offset */
  memcpy (reply->receiver_index, msg + 4, 4);
  sy_wg_random_bytes (reply->nonce, sizeof reply->nonce);

  make_cookie (checker, address, address_len, port, cookie);
  sy_wg_xaead_encrypt (reply->encrypted_cookie, checker->cookie_key, reply->nonce,
                       cookie, sizeof cookie,
                       msg + SY_WG_MAC1_OFFSET (len), SY_WG_MAC_LEN);
  sy_wg_memzero (cookie, sizeof cookie);
}
