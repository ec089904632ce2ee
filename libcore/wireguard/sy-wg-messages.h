/* sy-wg-messages.h — WireGuard's four wire messages and their classifier
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The layouts of the whitepaper's §5.4.2–§5.4.7 (and §5.4.6 for transport
 * data). Every field is a byte array, so the structs have no padding and no
 * alignment needs: a struct pointer may be laid over any received datagram
 * once sy_wg_message_classify() has accepted its length. Integers on the
 * wire are little-endian; use the accessors below rather than casts.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Message types (the first byte; the three bytes after it must be zero). */
typedef enum
{
  SY_WG_MESSAGE_INVALID     = 0,  /* not a WireGuard message, or the wrong length */
  SY_WG_MESSAGE_INITIATION  = 1,  /* §5.4.2 handshake initiation */
  SY_WG_MESSAGE_RESPONSE    = 2,  /* §5.4.3 handshake response */
  SY_WG_MESSAGE_COOKIE      = 3,  /* §5.4.7 cookie reply */
  SY_WG_MESSAGE_TRANSPORT   = 4,  /* §5.4.6 transport data */
} SyWgMessageType;

/* Sizes of the primitives' inputs and outputs. */
#define SY_WG_KEY_LEN            32   /* X25519 keys, symmetric keys, PSK */
#define SY_WG_HASH_LEN           32   /* BLAKE2s-256 */
#define SY_WG_MAC_LEN            16   /* keyed BLAKE2s-128: mac1, mac2, cookies */
#define SY_WG_COOKIE_LEN         16
#define SY_WG_AEAD_TAG_LEN       16   /* Poly1305 */
#define SY_WG_XAEAD_NONCE_LEN    24   /* XChaCha20 */
#define SY_WG_TAI64N_LEN         12

/* Message lengths. */
#define SY_WG_INITIATION_LEN         148
#define SY_WG_RESPONSE_LEN            92
#define SY_WG_COOKIE_REPLY_LEN        64
#define SY_WG_TRANSPORT_HEADER_LEN    16  /* type, receiver index, counter */
/* a keepalive: header and tag */
#define SY_WG_TRANSPORT_MIN_LEN       (SY_WG_TRANSPORT_HEADER_LEN + SY_WG_AEAD_TAG_LEN)
/* Bytes a transport message adds around the (padded) plaintext. */
#define SY_WG_TRANSPORT_OVERHEAD      SY_WG_TRANSPORT_MIN_LEN
/* The plaintext of transport data is padded to a multiple of this (§5.4.6). */
#define SY_WG_TRANSPORT_PADDING       16

/* The protocol's names (§5.4.1, §5.4.4, §5.4.7). */
#define SY_WG_CONSTRUCTION  "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
#define SY_WG_IDENTIFIER    "WireGuard v1 zx2c4 Jason@zx2c4.com"
#define SY_WG_LABEL_MAC1    "mac1----"
#define SY_WG_LABEL_COOKIE  "cookie--"

/* Handshake initiation, 148 bytes. */
typedef struct
{
  guint8 type;                                   /* 1 */
  guint8 reserved[3];                            /* zero */
  guint8 sender_index[4];                        /* LE */
  guint8 unencrypted_ephemeral[SY_WG_KEY_LEN];
  guint8 encrypted_static[SY_WG_KEY_LEN + SY_WG_AEAD_TAG_LEN];
  guint8 encrypted_timestamp[SY_WG_TAI64N_LEN + SY_WG_AEAD_TAG_LEN];
  guint8 mac1[SY_WG_MAC_LEN];
  guint8 mac2[SY_WG_MAC_LEN];
} SyWgMessageInitiation;

/* Handshake response, 92 bytes. */
typedef struct
{
  guint8 type;                                   /* 2 */
  guint8 reserved[3];
  guint8 sender_index[4];
  guint8 receiver_index[4];
  guint8 unencrypted_ephemeral[SY_WG_KEY_LEN];
  guint8 encrypted_nothing[SY_WG_AEAD_TAG_LEN];
  guint8 mac1[SY_WG_MAC_LEN];
  guint8 mac2[SY_WG_MAC_LEN];
} SyWgMessageResponse;

/* Cookie reply, 64 bytes. */
typedef struct
{
  guint8 type;                                   /* 3 */
  guint8 reserved[3];
  guint8 receiver_index[4];
  guint8 nonce[SY_WG_XAEAD_NONCE_LEN];
  guint8 encrypted_cookie[SY_WG_COOKIE_LEN + SY_WG_AEAD_TAG_LEN];
} SyWgMessageCookieReply;

/* Transport data header, followed by the encrypted, padded packet and its
 * 16-byte tag. */
typedef struct
{
  guint8 type;                                   /* 4 */
  guint8 reserved[3];
  guint8 receiver_index[4];
  guint8 counter[8];                             /* LE */
} SyWgMessageTransport;

G_STATIC_ASSERT (sizeof (SyWgMessageInitiation) == SY_WG_INITIATION_LEN);
G_STATIC_ASSERT (sizeof (SyWgMessageResponse) == SY_WG_RESPONSE_LEN);
G_STATIC_ASSERT (sizeof (SyWgMessageCookieReply) == SY_WG_COOKIE_REPLY_LEN);
G_STATIC_ASSERT (sizeof (SyWgMessageTransport) == SY_WG_TRANSPORT_HEADER_LEN);

/* Offsets of mac1 and mac2 in both handshake messages: mac1 covers every
 * byte before it, mac2 every byte before mac2 (mac1 included). */
#define SY_WG_MAC1_OFFSET(len)  ((len) - 2 * SY_WG_MAC_LEN)
#define SY_WG_MAC2_OFFSET(len)  ((len) - SY_WG_MAC_LEN)

/*
 * sy_wg_message_classify:
 * @data: (nullable): a received datagram
 * @len: its length
 *
 * Looks at the type and length only, reading nothing past @len: a type 1–3
 * message must have exactly its length, a transport message at least
 * SY_WG_TRANSPORT_MIN_LEN bytes, and the three reserved bytes must be zero.
 * Nothing is authenticated yet.
 *
 * Returns: the message type, or SY_WG_MESSAGE_INVALID (drop the datagram).
 */
SyWgMessageType sy_wg_message_classify (const guint8 *data,
                                        gsize         len);

/* Little-endian field accessors. */
static inline guint32
sy_wg_read_le32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static inline void
sy_wg_write_le32 (guint8  *p,
                  guint32  v)
{
  p[0] = (guint8) v;
  p[1] = (guint8) (v >> 8);
  p[2] = (guint8) (v >> 16);
  p[3] = (guint8) (v >> 24);
}

static inline guint64
sy_wg_read_le64 (const guint8 *p)
{
  return (guint64) sy_wg_read_le32 (p) | ((guint64) sy_wg_read_le32 (p + 4) << 32);
}

static inline void
sy_wg_write_le64 (guint8  *p,
                  guint64  v)
{
  sy_wg_write_le32 (p, (guint32) v);
  sy_wg_write_le32 (p + 4, (guint32) (v >> 32));
}

/* The receiver index of a response, cookie reply or transport message (the
 * index *we* chose), for looking up our handshake or keypair. @data must
 * have been classified as one of those types. */
guint32 sy_wg_message_receiver_index (const guint8 *data,
                                      gsize         len);

G_END_DECLS
