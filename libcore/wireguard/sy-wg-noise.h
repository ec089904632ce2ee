/* sy-wg-noise.h — the Noise_IKpsk2 handshake and transport keys (§5.4.2–§5.4.6)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three layers, each usable on its own:
 *
 * 1. SyWgSymmetricState — the Noise specification's SymmetricState
 *    (MixHash, MixKey, MixKeyAndHash, EncryptAndHash, DecryptAndHash,
 *    Split) over BLAKE2s, HKDF-BLAKE2s and ChaCha20-Poly1305.
 *
 * 2. The IKpsk2 message patterns, written in terms of layer 1 and
 *    parametrised by protocol name, prologue, payloads and pre-shared key:
 *      -> e, es, s, ss        (+ payload)
 *      <- e, ee, se, psk      (+ payload)
 *    WireGuard is this pattern with name SY_WG_CONSTRUCTION, prologue
 *    SY_WG_IDENTIFIER, a TAI64N payload in the first message and an empty
 *    one in the second. Generic Noise test vectors run through the very
 *    same functions (tests/wireguard/test-wg-noise.c).
 *
 * 3. WireGuard's handshake: SyWgIdentity (our static key pair),
 *    SyWgPeerStatic (what we know about a peer before any handshake),
 *    SyWgHandshake (one peer's handshake in progress) and SyWgKeypair (the
 *    keys of one session), with transport data sealing and opening.
 *
 * What is left to the caller (sy-wg-device): choosing unique local sender
 * indices and mapping received indices to handshakes and keypairs; mac1
 * and mac2 (sy-wg-cookie.h), which must be checked *before* calling
 * sy_wg_handshake_consume_*() so that unauthenticated floods cost no DH;
 * the replay window of transport counters (check it only after
 * sy_wg_transport_decrypt() has authenticated the message); all timers.
 *
 * Nothing is thread-safe by itself; one handshake or keypair belongs to
 * one thread at a time. Secrets are zeroed as soon as they are not needed.
 */

#pragma once

#include <glib.h>

#include "wireguard/sy-wg-messages.h"

G_BEGIN_DECLS

/* §6.1 limits on one keypair. */
#define SY_WG_REKEY_AFTER_MESSAGES   (G_GUINT64_CONSTANT (1) << 60)
/* 2^64 − 2^13 − 1 */
#define SY_WG_REJECT_AFTER_MESSAGES  (G_MAXUINT64 - (G_GUINT64_CONSTANT (1) << 13))
/* An initiation from a peer is refused if it comes sooner than this after
 * the last one accepted from that peer (wireguard-go's HandshakeInitationRate):
 * bounds the DH work a replayer of fresh-looking initiations can cause. */
#define SY_WG_INITIATION_MIN_INTERVAL_US  (20 * G_TIME_SPAN_MILLISECOND)

/* ---- 1. Noise SymmetricState --------------------------------------------- */

typedef struct
{
  guint8   chaining_key[SY_WG_HASH_LEN];   /* ck */
  guint8   hash[SY_WG_HASH_LEN];           /* h */
  guint8   key[SY_WG_KEY_LEN];             /* k */
  gboolean has_key;
  guint64  nonce;                          /* n */
} SyWgSymmetricState;

/* InitializeSymmetric(protocol_name) then MixHash(prologue). A name of up
 * to 32 bytes is zero-padded, a longer one hashed; ck = h. */
void     sy_wg_symmetric_init              (SyWgSymmetricState *state,
                                            const char         *protocol_name,
                                            const guint8       *prologue,
                                            gsize               prologue_len);
/* h = HASH(h || data) */
void     sy_wg_symmetric_mix_hash          (SyWgSymmetricState *state,
                                            const guint8       *data,
                                            gsize               len);
/* ck, k = KDF2(ck, input); n = 0 */
void     sy_wg_symmetric_mix_key           (SyWgSymmetricState *state,
                                            const guint8       *input,
                                            gsize               len);
/* ck, τ, k = KDF3(ck, input); MixHash(τ); n = 0 */
void     sy_wg_symmetric_mix_key_and_hash  (SyWgSymmetricState *state,
                                            const guint8       *input,
                                            gsize               len);
/* Writes len (+ 16 once a key is set) bytes to @out and mixes them into h.
 * @out may equal @plain. */
void     sy_wg_symmetric_encrypt_and_hash  (SyWgSymmetricState *state,
                                            const guint8       *plain,
                                            gsize               len,
                                            guint8             *out);
/* The reverse: @len includes the tag once a key is set. FALSE on a wrong
 * tag (then h is unchanged). @out may equal @in. */
gboolean sy_wg_symmetric_decrypt_and_hash  (SyWgSymmetricState *state,
                                            const guint8       *in,
                                            gsize               len,
                                            guint8             *out);
/* k1, k2 = KDF2(ck, ε): the initiator sends with @k1, the responder with @k2. */
void     sy_wg_symmetric_split             (const SyWgSymmetricState *state,
                                            guint8              k1[SY_WG_KEY_LEN],
                                            guint8              k2[SY_WG_KEY_LEN]);
void     sy_wg_symmetric_clear             (SyWgSymmetricState *state);

/* ---- 2. The IKpsk2 pattern ---------------------------------------------- */

/* Length of the first message for a payload of @n bytes: e, s+tag, payload+tag. */
#define SY_WG_NOISE_MSG1_LEN(n) \
  (SY_WG_KEY_LEN + SY_WG_KEY_LEN + SY_WG_AEAD_TAG_LEN + (n) + SY_WG_AEAD_TAG_LEN)
/* Length of the second message for a payload of @n bytes: e, payload+tag. */
#define SY_WG_NOISE_MSG2_LEN(n)  (SY_WG_KEY_LEN + (n) + SY_WG_AEAD_TAG_LEN)

/* Both sides start with sy_wg_symmetric_init() and then this: the
 * pre-message "<- s" (MixHash of the responder's static public key). */
void     sy_wg_noise_ikpsk2_init           (SyWgSymmetricState *state,
                                            const char         *protocol_name,
                                            const guint8       *prologue,
                                            gsize               prologue_len,
                                            const guint8        responder_static[SY_WG_KEY_LEN]);

/* Initiator, "-> e, es, s, ss" + payload. @ephemeral_private is the
 * caller's fresh key (fixed in test vectors); @static_static is
 * DH(s, rs), precomputed. Writes SY_WG_NOISE_MSG1_LEN(@payload_len) bytes
 * to @out. FALSE if DH(e, rs) is zero. */
gboolean sy_wg_noise_ikpsk2_write_msg1     (SyWgSymmetricState *state,
                                            const guint8        ephemeral_private[SY_WG_KEY_LEN],
                                            const guint8        static_public[SY_WG_KEY_LEN],
                                            const guint8        responder_static[SY_WG_KEY_LEN],
                                            const guint8        static_static[SY_WG_KEY_LEN],
                                            const guint8       *payload,
                                            gsize               payload_len,
                                            guint8             *out);
/* Responder, first half of reading message 1: "e, es, s". @in holds at
 * least the first 80 bytes. Gives the initiator's ephemeral and static
 * public keys so that the caller can find the peer (and its precomputed
 * DH(s, rs) and PSK) before the second half. */
gboolean sy_wg_noise_ikpsk2_read_msg1_static (SyWgSymmetricState *state,
                                              const guint8        static_private[SY_WG_KEY_LEN],
                                              const guint8       *in,
                                              guint8              remote_ephemeral[SY_WG_KEY_LEN],
                                              guint8              remote_static[SY_WG_KEY_LEN]);
/* Second half: "ss" + payload. @in is the whole message of @len bytes;
 * writes len − 96 bytes of payload to @payload. */
gboolean sy_wg_noise_ikpsk2_read_msg1_payload (SyWgSymmetricState *state,
                                               const guint8        static_static[SY_WG_KEY_LEN],
                                               const guint8       *in,
                                               gsize               len,
                                               guint8             *payload);
/* Responder, "<- e, ee, se, psk" + payload. Writes
 * SY_WG_NOISE_MSG2_LEN(@payload_len) bytes to @out. FALSE if a DH is zero. */
gboolean sy_wg_noise_ikpsk2_write_msg2     (SyWgSymmetricState *state,
                                            const guint8        ephemeral_private[SY_WG_KEY_LEN],
                                            const guint8        remote_ephemeral[SY_WG_KEY_LEN],
                                            const guint8        remote_static[SY_WG_KEY_LEN],
                                            const guint8        psk[SY_WG_KEY_LEN],
                                            const guint8       *payload,
                                            gsize               payload_len,
                                            guint8             *out);
/* Initiator reads message 2 (@len bytes, ≥ 48); writes len − 48 bytes of
 * payload. FALSE on a zero DH or a wrong tag. */
gboolean sy_wg_noise_ikpsk2_read_msg2      (SyWgSymmetricState *state,
                                            const guint8        ephemeral_private[SY_WG_KEY_LEN],
                                            const guint8        static_private[SY_WG_KEY_LEN],
                                            const guint8        psk[SY_WG_KEY_LEN],
                                            const guint8       *in,
                                            gsize               len,
                                            guint8             *payload);

/* ---- 3. WireGuard ------------------------------------------------------- */

/* Our static key pair. */
typedef struct
{
  guint8 private_key[SY_WG_KEY_LEN];
  guint8 public_key[SY_WG_KEY_LEN];
} SyWgIdentity;

/* Derives the public key. Fails with SY_ERROR_INVALID_ARGUMENT for an
 * all-zero private key (an unset key in a config). */
gboolean sy_wg_identity_init               (SyWgIdentity       *identity,
                                            const guint8        private_key[SY_WG_KEY_LEN],
                                            GError            **error);
void     sy_wg_identity_clear              (SyWgIdentity       *identity);

/* A peer as configured: immutable while handshakes run. */
typedef struct
{
  guint8 public_key[SY_WG_KEY_LEN];
  guint8 preshared_key[SY_WG_KEY_LEN];   /* zeros when none is configured */
  guint8 static_static[SY_WG_KEY_LEN];   /* DH(our private, their public) */
} SyWgPeerStatic;

/* Precomputes DH(our static, @public_key). @psk may be NULL. Fails with
 * SY_ERROR_INVALID_ARGUMENT when that DH is zero (a low-order public key
 * no handshake could ever complete with) or the key is our own. */
gboolean sy_wg_peer_static_init            (SyWgPeerStatic     *peer,
                                            const SyWgIdentity *identity,
                                            const guint8        public_key[SY_WG_KEY_LEN],
                                            const guint8       *psk,
                                            GError            **error);
void     sy_wg_peer_static_clear           (SyWgPeerStatic     *peer);

typedef enum
{
  SY_WG_HANDSHAKE_ZEROED,               /* nothing in progress */
  SY_WG_HANDSHAKE_CREATED_INITIATION,   /* we initiated; waiting for a response */
  SY_WG_HANDSHAKE_CONSUMED_INITIATION,  /* they initiated; we owe a response */
  SY_WG_HANDSHAKE_CREATED_RESPONSE,     /* responder: ready for sy_wg_handshake_derive_keypair() */
  SY_WG_HANDSHAKE_CONSUMED_RESPONSE,    /* initiator: ready for sy_wg_handshake_derive_keypair() */
} SyWgHandshakeState;

/* One per peer. Zero-initialise it (or sy_wg_handshake_init()); it needs
 * no freeing beyond sy_wg_handshake_clear(). */
typedef struct
{
  SyWgHandshakeState state;
  guint8   hash[SY_WG_HASH_LEN];
  guint8   chaining_key[SY_WG_HASH_LEN];
  guint8   ephemeral_private[SY_WG_KEY_LEN];
  guint8   remote_ephemeral[SY_WG_KEY_LEN];
  guint32  local_index;       /* our sender index for this handshake */
  guint32  remote_index;      /* theirs */
  /* Kept across handshakes, for as long as the peer is configured: */
  guint8   latest_timestamp[SY_WG_TAI64N_LEN];  /* greatest TAI64N accepted from them */
  gint64   last_initiation_consumed;            /* monotonic µs; 0: never */
} SyWgHandshake;

void     sy_wg_handshake_init              (SyWgHandshake      *handshake);
/* Forgets the handshake in progress (state ZEROED, secrets wiped) but keeps
 * the latest timestamp and flood-limit time, which must outlive it. */
void     sy_wg_handshake_clear             (SyWgHandshake      *handshake);

/* Initiator. Fills @msg up to mac1 (type, @local_index, ephemeral,
 * encrypted static and TAI64N timestamp); mac1 and mac2 are left zero for
 * sy_wg_cookie_sender_add_macs(). Any previous state is replaced. */
gboolean sy_wg_handshake_create_initiation (SyWgHandshake         *handshake,
                                            const SyWgIdentity    *identity,
                                            const SyWgPeerStatic  *peer,
                                            guint32                local_index,
                                            SyWgMessageInitiation *msg);

/* Called by sy_wg_handshake_consume_initiation() with the initiator's
 * decrypted static public key. Return the caller's peer object and set
 * @handshake and @peer_static to that peer's, or return NULL when the key
 * is not a configured peer (the initiation is then dropped). */
typedef gpointer (*SyWgPeerLookupFunc) (const guint8           public_key[SY_WG_KEY_LEN],
                                        SyWgHandshake        **handshake,
                                        const SyWgPeerStatic **peer_static,
                                        gpointer               user_data);

/* Responder. @msg must have passed sy_wg_message_classify() and the mac1
 * check. Decrypts the initiator's static key, looks the peer up, checks
 * the timestamp is greater than the greatest seen from that peer and that
 * SY_WG_INITIATION_MIN_INTERVAL_US passed since the last accepted
 * initiation (@now_us, monotonic). Only when all of that holds is the
 * peer's handshake overwritten (state CONSUMED_INITIATION, whatever it was
 * before) and the peer object returned; otherwise NULL and nothing changed.
 * A replayed initiation therefore fails here. */
gpointer sy_wg_handshake_consume_initiation (const SyWgIdentity          *identity,
                                             const SyWgMessageInitiation *msg,
                                             gint64                       now_us,
                                             SyWgPeerLookupFunc           lookup,
                                             gpointer                     user_data);

/* Responder, after consume_initiation. Fills @msg up to mac1. */
gboolean sy_wg_handshake_create_response   (SyWgHandshake         *handshake,
                                            const SyWgIdentity    *identity,
                                            const SyWgPeerStatic  *peer,
                                            guint32                local_index,
                                            SyWgMessageResponse   *msg);

/* Initiator. The caller found @handshake by the message's receiver index
 * (sy_wg_message_receiver_index()) and checked mac1. FALSE, with the
 * handshake untouched, unless it is in state CREATED_INITIATION with that
 * local index and the response authenticates. */
gboolean sy_wg_handshake_consume_response  (SyWgHandshake             *handshake,
                                            const SyWgIdentity        *identity,
                                            const SyWgPeerStatic      *peer,
                                            const SyWgMessageResponse *msg);

/* The keys of one session. Plain data: copy it, keep it in an array. */
typedef struct
{
  guint8   send_key[SY_WG_KEY_LEN];
  guint8   receive_key[SY_WG_KEY_LEN];
  guint64  send_counter;      /* the nonce of the next message sent */
  guint32  local_index;       /* receiver index of the messages we receive */
  guint32  remote_index;      /* receiver index we put in messages we send */
  gboolean initiator;         /* we sent the initiation of this session */
} SyWgKeypair;

/* Split (§5.4.5): from a handshake in state CREATED_RESPONSE (responder)
 * or CONSUMED_RESPONSE (initiator) derive the transport keys, then wipe
 * the handshake's secrets (sy_wg_handshake_clear()). FALSE in any other
 * state. */
gboolean sy_wg_handshake_derive_keypair    (SyWgHandshake      *handshake,
                                            SyWgKeypair        *keypair);
void     sy_wg_keypair_clear               (SyWgKeypair        *keypair);

/* Length of the padded plaintext for a packet of @len bytes: rounded up to
 * a multiple of 16 but not past @mtu (0: no limit) unless @len already is. */
gsize    sy_wg_transport_padded_length     (gsize               len,
                                            guint               mtu);
/* Length of the transport message for a packet of @len bytes. */
#define SY_WG_TRANSPORT_LEN(padded_len) \
  (SY_WG_TRANSPORT_HEADER_LEN + (padded_len) + SY_WG_AEAD_TAG_LEN)

/* Seals @len bytes of @plain (an IP packet, or nothing for a keepalive)
 * into a type-4 message in @out: header, plaintext zero-padded per
 * sy_wg_transport_padded_length(@len, @mtu), encrypted with the next
 * counter, tag. @plain may be @out + SY_WG_TRANSPORT_HEADER_LEN (encrypt in
 * place); otherwise they must not overlap. Returns the message length, or
 * 0 when @out_size is too small or the keypair reached
 * SY_WG_REJECT_AFTER_MESSAGES (the counter is then not advanced). Does not
 * allocate. */
gsize    sy_wg_transport_encrypt           (SyWgKeypair        *keypair,
                                            const guint8       *plain,
                                            gsize               len,
                                            guint               mtu,
                                            guint8             *out,
                                            gsize               out_size);
/* Authenticates and decrypts a type-4 message in place. On success
 * *@plain points into @msg at the padded plaintext (*@plain_len bytes,
 * 0 for a keepalive) and *@counter is the message's counter, which the
 * caller must now check against its replay window (sy-wg-replay) — only
 * now, after authentication. FALSE if the message is malformed, not for
 * @keypair's local index, past SY_WG_REJECT_AFTER_MESSAGES or forged. */
gboolean sy_wg_transport_decrypt           (const SyWgKeypair  *keypair,
                                            guint8             *msg,
                                            gsize               len,
                                            guint8            **plain,
                                            gsize              *plain_len,
                                            guint64            *counter);

G_END_DECLS
