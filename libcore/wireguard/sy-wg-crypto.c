/* sy-wg-crypto.c — the whitepaper's primitives (§5.4), over wolfCrypt
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-wireguard"

#include <string.h>

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/blake2.h>
#include <wolfssl/wolfcrypt/chacha.h>
#include <wolfssl/wolfcrypt/chacha20_poly1305.h>
#include <wolfssl/wolfcrypt/curve25519.h>
#include <wolfssl/wolfcrypt/poly1305.h>
#include <wolfssl/wolfcrypt/random.h>

#include "wireguard/sy-wg-crypto.h"

#define BLAKE2S_BLOCK_LEN 64

/* wolfCrypt returns an error only for bad arguments (NULL, sizes), which
 * would be a bug here, never for bad data. */
#define CHECK_WC(expr) G_STMT_START {                                    \
    int _ret = (expr);                                                   \
    if (G_UNLIKELY (_ret != 0))                                          \
      g_error ("%s failed: wolfCrypt error %d", #expr, _ret);            \
  } G_STMT_END

void
sy_wg_memzero (void  *p,
               gsize  len)
{
  if (p != NULL && len > 0)
    explicit_bzero (p, len);
}

gboolean
sy_wg_equal_ct (const void *a,
                const void *b,
                gsize       len)
{
  const volatile guint8 *x = a;
  const volatile guint8 *y = b;
  guint8 diff = 0;

  for (gsize i = 0; i < len; i++)
    diff |= x[i] ^ y[i];

  return diff == 0;
}

gboolean
sy_wg_is_zero_ct (const void *a,
                  gsize       len)
{
  const volatile guint8 *x = a;
  guint8 acc = 0;

  for (gsize i = 0; i < len; i++)
    acc |= x[i];

  return acc == 0;
}

/* ---- BLAKE2s ------------------------------------------------------------ */

void
sy_wg_blake2s (guint8       *out,
               gsize         out_len,
               const guint8 *key,
               gsize         key_len,
               const guint8 *in,
               gsize         in_len)
{
  Blake2s state;

  g_assert (out_len > 0 && out_len <= 32);
  g_assert (key_len <= 32 && in_len <= G_MAXUINT32);

  if (key_len > 0)
    CHECK_WC (wc_InitBlake2s_WithKey (&state, (word32) out_len, key, (word32) key_len));
  else
    CHECK_WC (wc_InitBlake2s (&state, (word32) out_len));
  if (in_len > 0)
    CHECK_WC (wc_Blake2sUpdate (&state, in, (word32) in_len));
  CHECK_WC (wc_Blake2sFinal (&state, out, (word32) out_len));
  sy_wg_memzero (&state, sizeof state);
}

void
sy_wg_hash2 (guint8        out[SY_WG_HASH_LEN],
             const guint8 *a,
             gsize         a_len,
             const guint8 *b,
             gsize         b_len)
{
  Blake2s state;

  g_assert (a_len <= G_MAXUINT32 && b_len <= G_MAXUINT32);

  CHECK_WC (wc_InitBlake2s (&state, SY_WG_HASH_LEN));
  if (a_len > 0)
    CHECK_WC (wc_Blake2sUpdate (&state, a, (word32) a_len));
  if (b_len > 0)
    CHECK_WC (wc_Blake2sUpdate (&state, b, (word32) b_len));
  CHECK_WC (wc_Blake2sFinal (&state, out, SY_WG_HASH_LEN));
  sy_wg_memzero (&state, sizeof state);
}

void
sy_wg_hash (guint8        out[SY_WG_HASH_LEN],
            const guint8 *in,
            gsize         in_len)
{
  sy_wg_hash2 (out, in, in_len, NULL, 0);
}

void
sy_wg_mac (guint8        out[SY_WG_MAC_LEN],
           const guint8 *key,
           gsize         key_len,
           const guint8 *in,
           gsize         in_len)
{
  g_assert (key_len > 0);

  sy_wg_blake2s (out, SY_WG_MAC_LEN, key, key_len, in, in_len);
}

/* HMAC over two concatenated inputs, so that HKDF's τi = HMAC(τ0, τi-1 || i)
 * needs no scratch copy. */
static void
hmac2 (guint8        out[SY_WG_HASH_LEN],
       const guint8 *key,
       gsize         key_len,
       const guint8 *a,
       gsize         a_len,
       const guint8 *b,
       gsize         b_len)
{
  guint8 block[BLAKE2S_BLOCK_LEN] = { 0 };
  guint8 inner[SY_WG_HASH_LEN];
  Blake2s state;

  g_assert (a_len <= G_MAXUINT32 && b_len <= G_MAXUINT32);

  /* RFC 2104: keys longer than a block are hashed first. */
  if (key_len > BLAKE2S_BLOCK_LEN)
    sy_wg_hash (block, key, key_len);
  else if (key_len > 0)
    memcpy (block, key, key_len);

  for (guint i = 0; i < BLAKE2S_BLOCK_LEN; i++)
    block[i] ^= 0x36;
  CHECK_WC (wc_InitBlake2s (&state, SY_WG_HASH_LEN));
  CHECK_WC (wc_Blake2sUpdate (&state, block, BLAKE2S_BLOCK_LEN));
  if (a_len > 0)
    CHECK_WC (wc_Blake2sUpdate (&state, a, (word32) a_len));
  if (b_len > 0)
    CHECK_WC (wc_Blake2sUpdate (&state, b, (word32) b_len));
  CHECK_WC (wc_Blake2sFinal (&state, inner, SY_WG_HASH_LEN));

  for (guint i = 0; i < BLAKE2S_BLOCK_LEN; i++)
    block[i] ^= 0x36 ^ 0x5c;
  CHECK_WC (wc_InitBlake2s (&state, SY_WG_HASH_LEN));
  CHECK_WC (wc_Blake2sUpdate (&state, block, BLAKE2S_BLOCK_LEN));
  CHECK_WC (wc_Blake2sUpdate (&state, inner, SY_WG_HASH_LEN));
  CHECK_WC (wc_Blake2sFinal (&state, out, SY_WG_HASH_LEN));

  sy_wg_memzero (block, sizeof block);
  sy_wg_memzero (inner, sizeof inner);
  sy_wg_memzero (&state, sizeof state);
}

void
sy_wg_hmac (guint8        out[SY_WG_HASH_LEN],
            const guint8 *key,
            gsize         key_len,
            const guint8 *in,
            gsize         in_len)
{
  hmac2 (out, key, key_len, in, in_len, NULL, 0);
}

void
sy_wg_kdf (guint8        t1[SY_WG_HASH_LEN],
           guint8       *t2,
           guint8       *t3,
           const guint8 *key,
           gsize         key_len,
           const guint8 *input,
           gsize         input_len)
{
  guint8 prk[SY_WG_HASH_LEN];
  guint8 out1[SY_WG_HASH_LEN];
  guint8 out2[SY_WG_HASH_LEN];
  const guint8 one = 1, two = 2, three = 3;

  g_assert (t3 == NULL || t2 != NULL);

  /* Outputs are written only at the end: callers pass ck as both key and
   * first output. */
  sy_wg_hmac (prk, key, key_len, input, input_len);
  hmac2 (out1, prk, sizeof prk, &one, 1, NULL, 0);
  if (t2 != NULL)
    hmac2 (out2, prk, sizeof prk, out1, sizeof out1, &two, 1);
  if (t3 != NULL)
    hmac2 (t3, prk, sizeof prk, out2, sizeof out2, &three, 1);
  if (t2 != NULL)
    memcpy (t2, out2, sizeof out2);
  memcpy (t1, out1, sizeof out1);

  sy_wg_memzero (prk, sizeof prk);
  sy_wg_memzero (out1, sizeof out1);
  sy_wg_memzero (out2, sizeof out2);
}

/* ---- ChaCha20-Poly1305 -------------------------------------------------- */

static void
counter_nonce (guint8  nonce[CHACHA20_POLY1305_AEAD_IV_SIZE],
               guint64 counter)
{
  memset (nonce, 0, 4);
  for (guint i = 0; i < 8; i++)
    nonce[4 + i] = (guint8) (counter >> (8 * i));
}

/* Block 0 of the ChaCha20 stream keys Poly1305 (RFC 8439 §2.6); the text
 * is encrypted from block 1 on. */
static void
aead_setup (ChaCha        *chacha,
            Poly1305      *poly,
            const guint8   key[SY_WG_KEY_LEN],
            const guint8   nonce[CHACHA20_POLY1305_AEAD_IV_SIZE])
{
  guint8 poly_key[CHACHA20_POLY1305_AEAD_KEYSIZE] = { 0 };

  CHECK_WC (wc_Chacha_SetKey (chacha, key, SY_WG_KEY_LEN));
  CHECK_WC (wc_Chacha_SetIV (chacha, nonce, 0));
  CHECK_WC (wc_Chacha_Process (chacha, poly_key, poly_key, sizeof poly_key));
  CHECK_WC (wc_Poly1305SetKey (poly, poly_key, sizeof poly_key));
  CHECK_WC (wc_Chacha_SetIV (chacha, nonce, 1));
  sy_wg_memzero (poly_key, sizeof poly_key);
}

/* wolfCrypt's ChaCha20 and Poly1305 directly, with their state on the
 * stack: nothing is allocated per packet. */
void
sy_wg_aead_encrypt (guint8        *out,
                    const guint8   key[SY_WG_KEY_LEN],
                    guint64        counter,
                    const guint8  *plain,
                    gsize          len,
                    const guint8  *aad,
                    gsize          aad_len)
{
  guint8 nonce[CHACHA20_POLY1305_AEAD_IV_SIZE];
  ChaCha chacha;
  Poly1305 poly;

  g_assert (len <= G_MAXUINT32 && aad_len <= G_MAXUINT32);

  counter_nonce (nonce, counter);
  aead_setup (&chacha, &poly, key, nonce);
  if (len > 0)
    CHECK_WC (wc_Chacha_Process (&chacha, out, plain, (word32) len));
  /* wc_Poly1305_MAC() refuses a NULL text even when it is empty */
  CHECK_WC (wc_Poly1305_MAC (&poly, aad_len > 0 ? aad : NULL, (word32) aad_len,
                             out, (word32) len, out + len, SY_WG_AEAD_TAG_LEN));

  sy_wg_memzero (&chacha, sizeof chacha);
  sy_wg_memzero (&poly, sizeof poly);
}

/* Verify first, then decrypt: wolfCrypt's one-shot decrypt writes the
 * plaintext before it looks at the tag, which in place would leave
 * unauthenticated data (or, on failure, a half-overwritten message) in the
 * caller's buffer. This costs no more: Poly1305 reads the ciphertext once
 * either way. */
gboolean
sy_wg_aead_decrypt (guint8        *out,
                    const guint8   key[SY_WG_KEY_LEN],
                    guint64        counter,
                    const guint8  *in,
                    gsize          len,
                    const guint8  *aad,
                    gsize          aad_len)
{
  guint8 nonce[CHACHA20_POLY1305_AEAD_IV_SIZE];
  guint8 tag[SY_WG_AEAD_TAG_LEN];
  gsize text_len;
  ChaCha chacha;
  Poly1305 poly;
  gboolean ok;

  if (len < SY_WG_AEAD_TAG_LEN || len > G_MAXUINT32 || aad_len > G_MAXUINT32)
    return FALSE;
  text_len = len - SY_WG_AEAD_TAG_LEN;

  counter_nonce (nonce, counter);
  aead_setup (&chacha, &poly, key, nonce);
  CHECK_WC (wc_Poly1305_MAC (&poly, aad_len > 0 ? aad : NULL, (word32) aad_len,
                             in, (word32) text_len, tag, sizeof tag));

  ok = sy_wg_equal_ct (tag, in + text_len, SY_WG_AEAD_TAG_LEN);
  if (ok && text_len > 0)
    CHECK_WC (wc_Chacha_Process (&chacha, out, in, (word32) text_len));
  else if (!ok && out != in)
    sy_wg_memzero (out, text_len);

  sy_wg_memzero (&chacha, sizeof chacha);
  sy_wg_memzero (&poly, sizeof poly);
  return ok;
}

void
sy_wg_xaead_encrypt (guint8        *out,
                     const guint8   key[SY_WG_KEY_LEN],
                     const guint8   nonce[SY_WG_XAEAD_NONCE_LEN],
                     const guint8  *plain,
                     gsize          len,
                     const guint8  *aad,
                     gsize          aad_len)
{
  g_assert (len > 0);

  CHECK_WC (wc_XChaCha20Poly1305_Encrypt (out, len + SY_WG_AEAD_TAG_LEN, plain, len,
                                          aad, aad_len, nonce, SY_WG_XAEAD_NONCE_LEN,
                                          key, SY_WG_KEY_LEN));
}

gboolean
sy_wg_xaead_decrypt (guint8        *out,
                     const guint8   key[SY_WG_KEY_LEN],
                     const guint8   nonce[SY_WG_XAEAD_NONCE_LEN],
                     const guint8  *in,
                     gsize          len,
                     const guint8  *aad,
                     gsize          aad_len)
{
  int ret;

  /* wolfCrypt's XChaCha one-shot decrypts before it authenticates and so
   * cannot work in place; callers use separate buffers (g_assert below). */
  if (len <= SY_WG_AEAD_TAG_LEN)
    return FALSE;
  g_assert (out + (len - SY_WG_AEAD_TAG_LEN) <= in || in + len <= out);

  ret = wc_XChaCha20Poly1305_Decrypt (out, len - SY_WG_AEAD_TAG_LEN, in, len,
                                      aad, aad_len, nonce, SY_WG_XAEAD_NONCE_LEN,
                                      key, SY_WG_KEY_LEN);
  if (ret != 0)
    {
      sy_wg_memzero (out, len - SY_WG_AEAD_TAG_LEN);
      return FALSE;
    }
  return TRUE;
}

/* ---- X25519 ------------------------------------------------------------- */

void
sy_wg_clamp_private_key (guint8 private_key[SY_WG_KEY_LEN])
{
  private_key[0] &= 248;
  private_key[31] &= 127;
  private_key[31] |= 64;
}

gboolean
sy_wg_dh (guint8        out[SY_WG_KEY_LEN],
          const guint8  private_key[SY_WG_KEY_LEN],
          const guint8  public_key[SY_WG_KEY_LEN])
{
  guint8 scalar[SY_WG_KEY_LEN];
  guint8 point[SY_WG_KEY_LEN];
  gboolean ok;

  /* wc_curve25519_generic() takes little-endian byte strings like RFC 7748
   * but refuses unclamped scalars, so clamp a copy; and mask the point's
   * top bit as RFC 7748 §5 requires of every implementation. */
  memcpy (scalar, private_key, sizeof scalar);
  sy_wg_clamp_private_key (scalar);
  memcpy (point, public_key, sizeof point);
  point[31] &= 127;

  CHECK_WC (wc_curve25519_generic (SY_WG_KEY_LEN, out, SY_WG_KEY_LEN, scalar,
                                   SY_WG_KEY_LEN, point));
  sy_wg_memzero (scalar, sizeof scalar);

  ok = !sy_wg_is_zero_ct (out, SY_WG_KEY_LEN);
  if (!ok)
    sy_wg_memzero (out, SY_WG_KEY_LEN);
  return ok;
}

void
sy_wg_derive_public_key (guint8        public_key[SY_WG_KEY_LEN],
                         const guint8  private_key[SY_WG_KEY_LEN])
{
  guint8 scalar[SY_WG_KEY_LEN];

  memcpy (scalar, private_key, sizeof scalar);
  sy_wg_clamp_private_key (scalar);
  CHECK_WC (wc_curve25519_make_pub (SY_WG_KEY_LEN, public_key, SY_WG_KEY_LEN, scalar));
  sy_wg_memzero (scalar, sizeof scalar);
}

/* ---- randomness --------------------------------------------------------- */

static GMutex rng_lock;
static WC_RNG rng;
static gboolean rng_ready;

void
sy_wg_random_bytes (guint8 *out,
                    gsize   len)
{
  g_mutex_lock (&rng_lock);
  if (!rng_ready)
    {
      CHECK_WC (wc_InitRng (&rng));
      rng_ready = TRUE;
    }
  while (len > 0)
    {
      /* wolfCrypt's DRBG hands out at most RNG_MAX_BLOCK_LEN per call. */
      word32 chunk = (word32) MIN (len, (gsize) RNG_MAX_BLOCK_LEN);

      CHECK_WC (wc_RNG_GenerateBlock (&rng, out, chunk));
      out += chunk;
      len -= chunk;
    }
  g_mutex_unlock (&rng_lock);
}

guint32
sy_wg_random_u32 (void)
{
  guint8 bytes[4];

  sy_wg_random_bytes (bytes, sizeof bytes);
  return sy_wg_read_le32 (bytes);
}

void
sy_wg_generate_private_key (guint8 private_key[SY_WG_KEY_LEN])
{
  sy_wg_random_bytes (private_key, SY_WG_KEY_LEN);
  sy_wg_clamp_private_key (private_key);
}
