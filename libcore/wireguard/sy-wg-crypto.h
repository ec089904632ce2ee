/* sy-wg-crypto.h — the whitepaper's primitives (§5.4), over wolfCrypt
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * HASH, MAC, HMAC, KDFn, AEAD, XAEAD and DH exactly as §5.4 defines them,
 * on fixed-size byte arrays. Nothing here allocates: the AEAD drives
 * wolfCrypt's ChaCha20 and Poly1305 (with their x86-64 assembly) directly,
 * with their state on the stack, so transport data is sealed and opened
 * with no per-packet setup beyond the ChaCha20 key schedule — and opened
 * only after the tag has been checked.
 *
 * Functions that can fail for a cryptographic reason (a wrong tag, an
 * all-zero shared secret) return FALSE; those failures are a peer's doing
 * and are dropped silently by the caller, so there is no GError.
 */

#pragma once

#include <glib.h>

#include "wireguard/sy-wg-messages.h"

G_BEGIN_DECLS

/* BLAKE2s (RFC 7693) with an output of @out_len (1–32) bytes and an
 * optional key of @key_len (0–32) bytes. HASH and MAC below are this. */
void     sy_wg_blake2s         (guint8       *out,
                                gsize         out_len,
                                const guint8 *key,
                                gsize         key_len,
                                const guint8 *in,
                                gsize         in_len);

/* HASH(in): BLAKE2s-256. */
void     sy_wg_hash            (guint8        out[SY_WG_HASH_LEN],
                                const guint8 *in,
                                gsize         in_len);
/* HASH(a || b), the whitepaper's most common form. */
void     sy_wg_hash2           (guint8        out[SY_WG_HASH_LEN],
                                const guint8 *a,
                                gsize         a_len,
                                const guint8 *b,
                                gsize         b_len);

/* MAC(key, in): keyed BLAKE2s with a 16-byte output. @key_len ≤ 32. */
void     sy_wg_mac             (guint8        out[SY_WG_MAC_LEN],
                                const guint8 *key,
                                gsize         key_len,
                                const guint8 *in,
                                gsize         in_len);

/* HMAC(key, in) with BLAKE2s-256 (RFC 2104, block size 64). */
void     sy_wg_hmac            (guint8        out[SY_WG_HASH_LEN],
                                const guint8 *key,
                                gsize         key_len,
                                const guint8 *in,
                                gsize         in_len);

/* KDFn(key, input) — HKDF (RFC 5869) with HMAC-BLAKE2s and an empty info:
 * τ0 = HMAC(key, input), τ1 = HMAC(τ0, 0x1), τi = HMAC(τ0, τi-1 || i).
 * Writes τ1 to @t1 and, when not NULL, τ2 to @t2 and τ3 to @t3 (@t3 needs
 * @t2). The outputs may alias @key. In the handshake @key is always the
 * 32-byte chaining key. */
void     sy_wg_kdf             (guint8        t1[SY_WG_HASH_LEN],
                                guint8       *t2,
                                guint8       *t3,
                                const guint8 *key,
                                gsize         key_len,
                                const guint8 *input,
                                gsize         input_len);

/* AEAD(key, counter, plain, aad): ChaCha20-Poly1305 (RFC 8439) with the
 * 96-bit nonce 32 zero bits || counter as 64-bit little-endian. Writes
 * @len bytes of ciphertext followed by the 16-byte tag to @out. @out may
 * equal @plain (in place); otherwise they must not overlap. */
void     sy_wg_aead_encrypt    (guint8        *out,
                                const guint8   key[SY_WG_KEY_LEN],
                                guint64        counter,
                                const guint8  *plain,
                                gsize          len,
                                const guint8  *aad,
                                gsize          aad_len);
/* Opens @len bytes of ciphertext + tag (@len ≥ 16) into @out (@len − 16
 * bytes; may equal @in). On a wrong tag returns FALSE and leaves @out
 * zeroed, never holding unauthenticated plaintext. */
gboolean sy_wg_aead_decrypt    (guint8        *out,
                                const guint8   key[SY_WG_KEY_LEN],
                                guint64        counter,
                                const guint8  *in,
                                gsize          len,
                                const guint8  *aad,
                                gsize          aad_len);

/* XAEAD(key, nonce, plain, aad): XChaCha20-Poly1305 with a 24-byte nonce,
 * used only for cookie replies. Same output layout as the AEAD. */
void     sy_wg_xaead_encrypt   (guint8        *out,
                                const guint8   key[SY_WG_KEY_LEN],
                                const guint8   nonce[SY_WG_XAEAD_NONCE_LEN],
                                const guint8  *plain,
                                gsize          len,
                                const guint8  *aad,
                                gsize          aad_len);
gboolean sy_wg_xaead_decrypt   (guint8        *out,
                                const guint8   key[SY_WG_KEY_LEN],
                                const guint8   nonce[SY_WG_XAEAD_NONCE_LEN],
                                const guint8  *in,
                                gsize          len,
                                const guint8  *aad,
                                gsize          aad_len);

/* DH(private, public): X25519 (RFC 7748). Keys are the usual little-endian
 * byte strings; the private key is clamped here, so any 32 bytes will do
 * (test vectors give unclamped ones). Returns FALSE, with @out zeroed, when
 * the result is all zeros (@public is of low order): the whitepaper's
 * "DH … must reject" and the contributory-behaviour check. */
gboolean sy_wg_dh              (guint8        out[SY_WG_KEY_LEN],
                                const guint8  private_key[SY_WG_KEY_LEN],
                                const guint8  public_key[SY_WG_KEY_LEN]);
/* DH-GENERATE: a fresh clamped private key from the system CSPRNG. */
void     sy_wg_generate_private_key (guint8   private_key[SY_WG_KEY_LEN]);
/* DH-PUBKEY: the public key of @private_key (clamped before use). */
void     sy_wg_derive_public_key    (guint8        public_key[SY_WG_KEY_LEN],
                                     const guint8  private_key[SY_WG_KEY_LEN]);
/* RFC 7748 §5 clamping, in place. */
void     sy_wg_clamp_private_key    (guint8   private_key[SY_WG_KEY_LEN]);

/* @len bytes from wolfCrypt's DRBG (seeded from the kernel). Thread-safe. */
void     sy_wg_random_bytes    (guint8 *out,
                                gsize   len);
/* A random 32-bit value, for sender indices. */
guint32  sy_wg_random_u32      (void);

/* Constant-time comparison: the time depends on @len only. */
gboolean sy_wg_equal_ct        (const void *a,
                                const void *b,
                                gsize       len);
/* Whether all @len bytes are zero, in constant time. */
gboolean sy_wg_is_zero_ct      (const void *a,
                                gsize       len);
/* Zeroes @len bytes in a way the compiler cannot drop (explicit_bzero(3):
 * wolfCrypt keeps its ForceZero() internal). */
void     sy_wg_memzero         (void  *p,
                                gsize  len);

G_END_DECLS
