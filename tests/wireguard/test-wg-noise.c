/* test-wg-noise.c — WireGuard's primitives, the IKpsk2 handshake and transport data
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Known answers first (RFC 7693, RFC 8439, the XChaCha draft, RFC 7748,
 * wireguard-go's KDF vectors, the cacophony vector for
 * Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s), then complete handshakes between
 * two identities and everything a forger or replayer might try.
 */

#include "config.h"

#include <string.h>

#include "util/sy-error.h"
#include "wireguard/sy-wg-cookie.h"
#include "wireguard/sy-wg-crypto.h"
#include "wireguard/sy-wg-messages.h"
#include "wireguard/sy-wg-noise.h"
#include "wireguard/sy-wg-tai64n.h"

/* Decodes a hex string; the returned buffer holds *len bytes. */
static guint8 *
unhex (const char *hex,
       gsize      *len)
{
  gsize n = strlen (hex);
  guint8 *out;

  g_assert_cmpuint (n % 2, ==, 0);
  out = g_malloc (n / 2 + 1);
  for (gsize i = 0; i < n / 2; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      g_assert_cmpint (hi, >=, 0);
      g_assert_cmpint (lo, >=, 0);
      out[i] = (guint8) (hi << 4 | lo);
    }
  if (len != NULL)
    *len = n / 2;
  return out;
}

static void
unhex_into (const char *hex,
            guint8     *out,
            gsize       expected)
{
  gsize len;
  g_autofree guint8 *bytes = unhex (hex, &len);

  g_assert_cmpuint (len, ==, expected);
  memcpy (out, bytes, len);
}

static void
assert_hex (const guint8 *data,
            gsize         len,
            const char   *hex)
{
  gsize expected_len;
  g_autofree guint8 *expected = unhex (hex, &expected_len);

  g_assert_cmpmem (data, len, expected, expected_len);
}

/* ---- primitives --------------------------------------------------------- */

/* RFC 7693 Appendix A ("abc") and the self-test of Appendix E, which
 * hashes unkeyed and keyed inputs of many lengths into one digest. */
static void
selftest_seq (guint8  *out,
              gsize    len,
              guint32  seed)
{
  guint32 a = 0xDEAD4BAD * seed;
  guint32 b = 1;

  for (gsize i = 0; i < len; i++)
    {
      guint32 t = a + b;

      a = b;
      b = t;
      out[i] = (guint8) (t >> 24);
    }
}

static void
test_blake2s (void)
{
  static const gsize out_lens[] = { 16, 20, 28, 32 };
  static const gsize in_lens[] = { 0, 3, 64, 65, 255, 1024 };
  guint8 digest[32];
  guint8 in[1024], key[32], md[32];
  GByteArray *all = g_byte_array_new ();

  sy_wg_hash (digest, (const guint8 *) "abc", 3);
  assert_hex (digest, 32, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");

  for (guint i = 0; i < G_N_ELEMENTS (out_lens); i++)
    for (guint j = 0; j < G_N_ELEMENTS (in_lens); j++)
      {
        gsize outlen = out_lens[i], inlen = in_lens[j];

        selftest_seq (in, inlen, (guint32) inlen);
        sy_wg_blake2s (md, outlen, NULL, 0, in, inlen);
        g_byte_array_append (all, md, (guint) outlen);
        selftest_seq (key, outlen, (guint32) outlen);
        sy_wg_blake2s (md, outlen, key, outlen, in, inlen);
        g_byte_array_append (all, md, (guint) outlen);
      }
  sy_wg_hash (digest, all->data, all->len);
  assert_hex (digest, 32, "6a411f08ce25adcdfb02aba641451cec53c598b24f4fc787fbdc88797f4c1dfe");
  g_byte_array_unref (all);

  /* HASH(a || b) is HASH of the concatenation, and MAC is keyed BLAKE2s-128 */
  {
    guint8 split[32], joined[32], mac[16], mac_ref[16];

    sy_wg_hash2 (split, (const guint8 *) "ab", 2, (const guint8 *) "c", 1);
    sy_wg_hash (joined, (const guint8 *) "abc", 3);
    g_assert_cmpmem (split, 32, joined, 32);

    sy_wg_mac (mac, key, 32, in, 100);
    sy_wg_blake2s (mac_ref, 16, key, 32, in, 100);
    g_assert_cmpmem (mac, 16, mac_ref, 16);
  }
}

/* KDF vectors as data from wireguard-go's device/kdf_test.go
 * (github.com/WireGuard/wireguard-go): τ1, τ2, τ3 of HKDF-HMAC-BLAKE2s. */
static void
test_kdf (void)
{
  static const struct { const char *key, *input, *t0, *t1, *t2; } vectors[] = {
    { "746573742d6b6579", "746573742d696e707574",
      "6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633",
      "df1194df20802a4fe594cde27e92991c8cae66c366e8106aaa937a55fa371e8a",
      "fac6e2745a325f5dc5d11a5b165aad08b0ada28e7b4e666b7c077934a4d76c24" },
    { "776972656775617264", "776972656775617264",
      "491d43bbfdaa8750aaf535e334ecbfe5129967cd64635101c566d4caefda96e8",
      "1e71a379baefd8a79aa4662212fcafe19a23e2b609a3db7d6bcba8f560e3d25f",
      "31e1ae48bddfbe5de38f295e5452b1909a1b4e38e183926af3780b0c1e1f0160" },
    { "", "",
      "8387b46bf43eccfcf349552a095d8315c4055beb90208fb1be23b894bc2ed5d0",
      "58a0e5f6faefccf4807bff1f05fa8a9217945762040bcec2f4b4a62bdfe0e86e",
      "0ce6ea98ec548f8e281e93e32db65621c45eb18dc6f0a7ad94178610a2f7338e" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      gsize key_len, input_len;
      g_autofree guint8 *key = unhex (vectors[i].key, &key_len);
      g_autofree guint8 *input = unhex (vectors[i].input, &input_len);
      guint8 t1[32], t2[32], t3[32];

      sy_wg_kdf (t1, t2, t3, key, key_len, input, input_len);
      assert_hex (t1, 32, vectors[i].t0);
      assert_hex (t2, 32, vectors[i].t1);
      assert_hex (t3, 32, vectors[i].t2);

      memset (t2, 0, sizeof t2);
      sy_wg_kdf (t1, t2, NULL, key, key_len, input, input_len);
      assert_hex (t1, 32, vectors[i].t0);
      assert_hex (t2, 32, vectors[i].t1);

      sy_wg_kdf (t1, NULL, NULL, key, key_len, input, input_len);
      assert_hex (t1, 32, vectors[i].t0);
    }

  /* the output may alias the key, as MixKey needs (ck = KDF(ck, …)) */
  {
    guint8 ck[32], expected[32];

    memset (ck, 7, sizeof ck);
    sy_wg_kdf (expected, NULL, NULL, ck, 32, (const guint8 *) "x", 1);
    sy_wg_kdf (ck, NULL, NULL, ck, 32, (const guint8 *) "x", 1);
    g_assert_cmpmem (ck, 32, expected, 32);
  }
}

/* RFC 8439 Appendix A.5: its nonce 00000000 0102030405060708 is WireGuard's
 * layout (32 zero bits, 64-bit little-endian counter 0x0807060504030201). */
#define RFC8439_KEY "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0"
#define RFC8439_AAD "f33388860000000000004e91"
#define RFC8439_PLAIN \
  "496e7465726e65742d4472616674732061726520647261667420646f63756d656e74732076616c6964" \
  "20666f722061206d6178696d756d206f6620736978206d6f6e74687320616e64206d61792062652075" \
  "7064617465642c207265706c616365642c206f72206f62736f6c65746564206279206f746865722064" \
  "6f63756d656e747320617420616e792074696d652e20497420697320696e617070726f707269617465" \
  "20746f2075736520496e7465726e65742d447261667473206173207265666572656e6365206d617465" \
  "7269616c206f7220746f2063697465207468656d206f74686572207468616e206173202fe2809c776f" \
  "726b20696e2070726f67726573732e2fe2809d"
#define RFC8439_SEALED \
  "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb24c6cfc18755d43eea0" \
  "9ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf332f830e710b97ce98c8a84abd0b948114ad" \
  "176e008d33bd60f982b1ff37c8559797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f615" \
  "7b53c867e4b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523eaf4534d7" \
  "f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a0bb2316053fa76991955ebd631" \
  "59434ecebb4e466dae5a1073a6727627097a1049e617d91d361094fa68f0ff77987130305beaba2eda" \
  "04df997b714d6c6f2c29a6ad5cb4022b02709b" \
  "eead9d67890cbb22392336fea1851f38"

static void
test_aead (void)
{
  guint8 key[32];
  gsize aad_len, plain_len, sealed_len;
  g_autofree guint8 *aad = unhex (RFC8439_AAD, &aad_len);
  g_autofree guint8 *plain = unhex (RFC8439_PLAIN, &plain_len);
  g_autofree guint8 *sealed = unhex (RFC8439_SEALED, &sealed_len);
  g_autofree guint8 *buf = g_malloc (sealed_len);
  const guint64 counter = G_GUINT64_CONSTANT (0x0807060504030201);

  unhex_into (RFC8439_KEY, key, 32);
  g_assert_cmpuint (sealed_len, ==, plain_len + 16);

  sy_wg_aead_encrypt (buf, key, counter, plain, plain_len, aad, aad_len);
  g_assert_cmpmem (buf, sealed_len, sealed, sealed_len);

  memset (buf, 0, sealed_len);
  g_assert_true (sy_wg_aead_decrypt (buf, key, counter, sealed, sealed_len, aad, aad_len));
  g_assert_cmpmem (buf, plain_len, plain, plain_len);

  /* in place, both ways */
  memcpy (buf, plain, plain_len);
  sy_wg_aead_encrypt (buf, key, counter, buf, plain_len, aad, aad_len);
  g_assert_cmpmem (buf, sealed_len, sealed, sealed_len);
  g_assert_true (sy_wg_aead_decrypt (buf, key, counter, buf, sealed_len, aad, aad_len));
  g_assert_cmpmem (buf, plain_len, plain, plain_len);

  /* a flipped bit anywhere, another counter or other aad: refused, and the
   * buffer never holds unauthenticated plaintext */
  for (gsize i = 0; i < sealed_len; i += 7)
    {
      memcpy (buf, sealed, sealed_len);
      buf[i] ^= 0x01;
      g_assert_false (sy_wg_aead_decrypt (buf, key, counter, buf, sealed_len, aad, aad_len));
      buf[i] ^= 0x01;
      g_assert_cmpmem (buf, sealed_len, sealed, sealed_len);
    }
  g_assert_false (sy_wg_aead_decrypt (buf, key, counter + 1, sealed, sealed_len, aad, aad_len));
  g_assert_false (sy_wg_aead_decrypt (buf, key, counter, sealed, sealed_len, aad, aad_len - 1));
  g_assert_false (sy_wg_aead_decrypt (buf, key, counter, sealed, 15, NULL, 0));

  /* empty plaintext: just a tag, as in the handshake response */
  {
    guint8 tag[16];

    sy_wg_aead_encrypt (tag, key, 0, NULL, 0, aad, aad_len);
    g_assert_true (sy_wg_aead_decrypt (tag, key, 0, tag, 16, aad, aad_len));
    tag[15] ^= 0x80;
    g_assert_false (sy_wg_aead_decrypt (tag, key, 0, tag, 16, aad, aad_len));
  }
}

/* draft-irtf-cfrg-xchacha-03 Appendix A.3.1. */
static void
test_xaead (void)
{
  guint8 key[32], nonce[24];
  gsize plain_len, aad_len, sealed_len;
  g_autofree guint8 *plain = unhex (
    "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a"
    "204966204920636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f72207468"
    "65206675747572652c2073756e73637265656e20776f756c642062652069742e", &plain_len);
  g_autofree guint8 *aad = unhex ("50515253c0c1c2c3c4c5c6c7", &aad_len);
  g_autofree guint8 *sealed = unhex (
    "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440b"
    "f3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3f"
    "ac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e"
    "c0875924c1c7987947deafd8780acf49", &sealed_len);
  g_autofree guint8 *buf = g_malloc (sealed_len);

  unhex_into ("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", key, 32);
  unhex_into ("404142434445464748494a4b4c4d4e4f5051525354555657", nonce, 24);

  sy_wg_xaead_encrypt (buf, key, nonce, plain, plain_len, aad, aad_len);
  g_assert_cmpmem (buf, sealed_len, sealed, sealed_len);

  memset (buf, 0xaa, sealed_len);
  g_assert_true (sy_wg_xaead_decrypt (buf, key, nonce, sealed, sealed_len, aad, aad_len));
  g_assert_cmpmem (buf, plain_len, plain, plain_len);

  sealed[3] ^= 4;
  g_assert_false (sy_wg_xaead_decrypt (buf, key, nonce, sealed, sealed_len, aad, aad_len));
  /* no unauthenticated plaintext left behind */
  g_assert_true (sy_wg_is_zero_ct (buf, plain_len));
}

/* RFC 7748 §5.2 (unclamped scalars, a u with its top bit set) and §6.1. */
static void
test_x25519 (void)
{
  guint8 scalar[32], u[32], out[32], alice[32], bob[32], pub[32], shared[32];
  guint8 low_order[32] = { 0 };

  unhex_into ("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4", scalar, 32);
  unhex_into ("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c", u, 32);
  g_assert_true (sy_wg_dh (out, scalar, u));
  assert_hex (out, 32, "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");

  unhex_into ("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d", scalar, 32);
  unhex_into ("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493", u, 32);
  g_assert_true (sy_wg_dh (out, scalar, u));
  assert_hex (out, 32, "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");

  unhex_into ("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", alice, 32);
  unhex_into ("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", bob, 32);
  sy_wg_derive_public_key (pub, alice);
  assert_hex (pub, 32, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  sy_wg_derive_public_key (pub, bob);
  assert_hex (pub, 32, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  g_assert_true (sy_wg_dh (shared, alice, pub));
  assert_hex (shared, 32, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

  /* Low-order points give an all-zero secret, which must be refused: 0, 1
   * and the order-8 point of RFC 7748's errata. */
  g_assert_false (sy_wg_dh (out, alice, low_order));
  g_assert_true (sy_wg_is_zero_ct (out, 32));
  low_order[0] = 1;
  g_assert_false (sy_wg_dh (out, alice, low_order));
  unhex_into ("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", low_order, 32);
  g_assert_false (sy_wg_dh (out, alice, low_order));

  /* generated keys are clamped, and derive the same shared secret both ways */
  {
    guint8 a[32], b[32], pa[32], pb[32], s1[32], s2[32];

    sy_wg_generate_private_key (a);
    sy_wg_generate_private_key (b);
    g_assert_cmpuint (a[0] & 7, ==, 0);
    g_assert_cmpuint (a[31] & 0xc0, ==, 0x40);
    g_assert_false (memcmp (a, b, 32) == 0);
    sy_wg_derive_public_key (pa, a);
    sy_wg_derive_public_key (pb, b);
    g_assert_true (sy_wg_dh (s1, a, pb));
    g_assert_true (sy_wg_dh (s2, b, pa));
    g_assert_cmpmem (s1, 32, s2, 32);
  }
}

static void
test_helpers (void)
{
  guint8 a[40], b[40];

  memset (a, 0x5a, sizeof a);
  memcpy (b, a, sizeof b);
  g_assert_true (sy_wg_equal_ct (a, b, sizeof a));
  b[39] ^= 0x80;
  g_assert_false (sy_wg_equal_ct (a, b, sizeof a));
  g_assert_true (sy_wg_equal_ct (a, b, 39));
  g_assert_false (sy_wg_is_zero_ct (a, sizeof a));
  sy_wg_memzero (a, sizeof a);
  g_assert_true (sy_wg_is_zero_ct (a, sizeof a));

  sy_wg_random_bytes (a, sizeof a);
  sy_wg_random_bytes (b, sizeof b);
  g_assert_false (memcmp (a, b, sizeof a) == 0);
}

static void
test_tai64n (void)
{
  guint8 stamp[12], prev[12];

  /* TAI64 labels the Unix epoch 2^62 + 10 */
  sy_wg_tai64n_from_unix (stamp, 0, 0);
  assert_hex (stamp, 12, "400000000000000a00000000");
  sy_wg_tai64n_from_unix (stamp, 1700000000, 123456789);
  assert_hex (stamp, 12, "400000006553f10a075bcd15");

  /* strictly increasing, even when called faster than the 2^24 ns rounding */
  sy_wg_tai64n_now (prev);
  for (guint i = 0; i < 10000; i++)
    {
      sy_wg_tai64n_now (stamp);
      g_assert_cmpint (sy_wg_tai64n_compare (stamp, prev), >, 0);
      memcpy (prev, stamp, sizeof stamp);
    }

  /* and close to the wall clock */
  {
    guint64 label = 0;
    gint64 offset;

    for (guint i = 0; i < 8; i++)
      label = label << 8 | stamp[i];
    offset = (gint64) (label - G_GUINT64_CONSTANT (0x400000000000000a))
             - g_get_real_time () / G_USEC_PER_SEC;
    g_assert_cmpint (offset, <=, 2);
    g_assert_cmpint (offset, >=, -2);
  }
}

static void
test_classify (void)
{
  guint8 buf[256] = { 0 };

  g_assert_cmpint (sy_wg_message_classify (NULL, 0), ==, SY_WG_MESSAGE_INVALID);
  g_assert_cmpint (sy_wg_message_classify (buf, 3), ==, SY_WG_MESSAGE_INVALID);

  buf[0] = 1;
  g_assert_cmpint (sy_wg_message_classify (buf, 148), ==, SY_WG_MESSAGE_INITIATION);
  g_assert_cmpint (sy_wg_message_classify (buf, 147), ==, SY_WG_MESSAGE_INVALID);
  g_assert_cmpint (sy_wg_message_classify (buf, 149), ==, SY_WG_MESSAGE_INVALID);
  buf[0] = 2;
  g_assert_cmpint (sy_wg_message_classify (buf, 92), ==, SY_WG_MESSAGE_RESPONSE);
  g_assert_cmpint (sy_wg_message_classify (buf, 148), ==, SY_WG_MESSAGE_INVALID);
  buf[0] = 3;
  g_assert_cmpint (sy_wg_message_classify (buf, 64), ==, SY_WG_MESSAGE_COOKIE);
  g_assert_cmpint (sy_wg_message_classify (buf, 65), ==, SY_WG_MESSAGE_INVALID);
  buf[0] = 4;
  g_assert_cmpint (sy_wg_message_classify (buf, 32), ==, SY_WG_MESSAGE_TRANSPORT);
  g_assert_cmpint (sy_wg_message_classify (buf, 31), ==, SY_WG_MESSAGE_INVALID);
  g_assert_cmpint (sy_wg_message_classify (buf, 256), ==, SY_WG_MESSAGE_TRANSPORT);
  /* the type is a 32-bit little-endian word: reserved bytes must be zero */
  buf[2] = 1;
  g_assert_cmpint (sy_wg_message_classify (buf, 32), ==, SY_WG_MESSAGE_INVALID);
  buf[2] = 0;
  buf[0] = 5;
  g_assert_cmpint (sy_wg_message_classify (buf, 32), ==, SY_WG_MESSAGE_INVALID);
  buf[0] = 0;
  g_assert_cmpint (sy_wg_message_classify (buf, 32), ==, SY_WG_MESSAGE_INVALID);

  buf[0] = 4;
  sy_wg_write_le32 (buf + 4, 0xdeadbeef);
  g_assert_cmphex (sy_wg_message_receiver_index (buf, 32), ==, 0xdeadbeef);
}

/* ---- the cacophony vector ----------------------------------------------- */

/* Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s from the cacophony test vectors
 * (github.com/haskell-cryptography/cacophony, as shipped in
 * github.com/mcginty/snow tests/vectors/cacophony.txt). Generic Noise: the
 * prologue is "John Galt", the PSK is "This is my Austrian perspective!",
 * and the payloads are arbitrary; messages 3–6 are transport messages
 * alternating initiator → responder, responder → initiator. */
#define CACO_PROTOCOL   "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
#define CACO_PROLOGUE   "4a6f686e2047616c74"
#define CACO_PSK        "54686973206973206d7920417573747269616e20706572737065637469766521"
#define CACO_INIT_S     "e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1"
#define CACO_INIT_E     "893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a"
#define CACO_RESP_S_PUB "31e0303fd6418d2f8c0e78b91f22e8caed0fbe48656dcf4767e4834f701b8f62"
#define CACO_RESP_S     "4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893"
#define CACO_RESP_E     "bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b"
#define CACO_HANDSHAKE_HASH "f5191b875290abcd41347ac3622d9679688a7e980229cb937ef748336cfde0e5"

static const struct { const char *payload, *ciphertext; } caco_messages[] = {
  { "4c756477696720766f6e204d69736573",
    "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c7944001e21de9f98ddd8e2ad"
    "57527207feb56253c9c94a9e496782ecfcb2a75fbcaf1b52948cc48daefe660c62119ab5000980c84831"
    "215f2441eba616548e832985464cf17e51ee93109008399a21f7e13f" },
  { "4d757272617920526f746862617264",
    "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843cb765f2caef0751b8f00"
    "7572dab0322217755c0632f365717edbf34d33e87a" },
  { "462e20412e20486179656b", "8153ca9833bc3c1b91a7e66e5f4d4f5b59bf9e64c2f20d15f0bba7" },
  { "4361726c204d656e676572", "07af0c9c86e1b4e80f36b04ff7688d51141af3debd0332f0a705ef" },
  { "4a65616e2d426170746973746520536179",
    "6ab1467c0448cc78394494abaaf23afce0e234315d6e2624dcbfa8a21c1c4d073d" },
  { "457567656e2042f6686d20766f6e2042617765726b",
    "dfc346c0d2296ae6cf1acf6f12b8456a1dba228cf8d8b774aacf1c47fc53aa80ebc7a4c292" },
};

static void
test_cacophony_ikpsk2 (void)
{
  SyWgSymmetricState init, resp;
  guint8 init_s[32], init_s_pub[32], init_e[32], resp_s[32], resp_s_pub[32], resp_e[32];
  guint8 psk[32], ss[32], ss_resp[32], re[32], rs[32];
  guint8 init_send[32], init_recv[32], resp_send[32], resp_recv[32];
  guint64 init_nonce = 0, resp_nonce = 0;
  gsize prologue_len;
  g_autofree guint8 *prologue = unhex (CACO_PROLOGUE, &prologue_len);

  unhex_into (CACO_INIT_S, init_s, 32);
  unhex_into (CACO_INIT_E, init_e, 32);
  unhex_into (CACO_RESP_S, resp_s, 32);
  unhex_into (CACO_RESP_E, resp_e, 32);
  unhex_into (CACO_PSK, psk, 32);
  sy_wg_derive_public_key (init_s_pub, init_s);
  sy_wg_derive_public_key (resp_s_pub, resp_s);
  assert_hex (resp_s_pub, 32, CACO_RESP_S_PUB);

  sy_wg_noise_ikpsk2_init (&init, CACO_PROTOCOL, prologue, prologue_len, resp_s_pub);
  sy_wg_noise_ikpsk2_init (&resp, CACO_PROTOCOL, prologue, prologue_len, resp_s_pub);

  /* message 1: -> e, es, s, ss */
  {
    gsize payload_len, expected_len;
    g_autofree guint8 *payload = unhex (caco_messages[0].payload, &payload_len);
    g_autofree guint8 *expected = unhex (caco_messages[0].ciphertext, &expected_len);
    g_autofree guint8 *msg = g_malloc (SY_WG_NOISE_MSG1_LEN (payload_len));
    g_autofree guint8 *got = g_malloc (payload_len);

    g_assert_true (sy_wg_dh (ss, init_s, resp_s_pub));
    g_assert_true (sy_wg_noise_ikpsk2_write_msg1 (&init, init_e, init_s_pub, resp_s_pub, ss,
                                                  payload, payload_len, msg));
    g_assert_cmpmem (msg, SY_WG_NOISE_MSG1_LEN (payload_len), expected, expected_len);

    g_assert_true (sy_wg_noise_ikpsk2_read_msg1_static (&resp, resp_s, msg, re, rs));
    g_assert_cmpmem (rs, 32, init_s_pub, 32);
    g_assert_true (sy_wg_dh (ss_resp, resp_s, rs));
    g_assert_true (sy_wg_noise_ikpsk2_read_msg1_payload (&resp, ss_resp, msg, expected_len, got));
    g_assert_cmpmem (got, payload_len, payload, payload_len);
  }

  /* message 2: <- e, ee, se, psk */
  {
    gsize payload_len, expected_len;
    g_autofree guint8 *payload = unhex (caco_messages[1].payload, &payload_len);
    g_autofree guint8 *expected = unhex (caco_messages[1].ciphertext, &expected_len);
    g_autofree guint8 *msg = g_malloc (SY_WG_NOISE_MSG2_LEN (payload_len));
    g_autofree guint8 *got = g_malloc (payload_len);

    g_assert_true (sy_wg_noise_ikpsk2_write_msg2 (&resp, resp_e, re, rs, psk,
                                                  payload, payload_len, msg));
    g_assert_cmpmem (msg, SY_WG_NOISE_MSG2_LEN (payload_len), expected, expected_len);
    g_assert_true (sy_wg_noise_ikpsk2_read_msg2 (&init, init_e, init_s, psk, msg, expected_len,
                                                 got));
    g_assert_cmpmem (got, payload_len, payload, payload_len);
  }

  assert_hex (init.hash, 32, CACO_HANDSHAKE_HASH);
  assert_hex (resp.hash, 32, CACO_HANDSHAKE_HASH);

  /* transport: the initiator sends with k1, the responder with k2 */
  sy_wg_symmetric_split (&init, init_send, init_recv);
  sy_wg_symmetric_split (&resp, resp_recv, resp_send);
  for (guint i = 2; i < G_N_ELEMENTS (caco_messages); i++)
    {
      gboolean from_initiator = i % 2 == 0;
      gsize payload_len, expected_len;
      g_autofree guint8 *payload = unhex (caco_messages[i].payload, &payload_len);
      g_autofree guint8 *expected = unhex (caco_messages[i].ciphertext, &expected_len);
      g_autofree guint8 *msg = g_malloc (payload_len + 16);
      g_autofree guint8 *got = g_malloc (payload_len);
      guint64 *nonce = from_initiator ? &init_nonce : &resp_nonce;

      sy_wg_aead_encrypt (msg, from_initiator ? init_send : resp_send, *nonce,
                          payload, payload_len, NULL, 0);
      g_assert_cmpmem (msg, payload_len + 16, expected, expected_len);
      g_assert_true (sy_wg_aead_decrypt (got, from_initiator ? resp_recv : init_recv, *nonce,
                                         msg, payload_len + 16, NULL, 0));
      g_assert_cmpmem (got, payload_len, payload, payload_len);
      (*nonce)++;
    }

  /* the same vector with a different PSK must not match: the psk token counts */
  {
    SyWgSymmetricState init2, resp2;
    guint8 wrong_psk[32], msg1[SY_WG_NOISE_MSG1_LEN (0)], msg2[SY_WG_NOISE_MSG2_LEN (0)];
    guint8 re2[32], rs2[32], dummy[1];

    memcpy (wrong_psk, psk, 32);
    wrong_psk[0] ^= 1;
    sy_wg_noise_ikpsk2_init (&init2, CACO_PROTOCOL, prologue, prologue_len, resp_s_pub);
    sy_wg_noise_ikpsk2_init (&resp2, CACO_PROTOCOL, prologue, prologue_len, resp_s_pub);
    g_assert_true (sy_wg_noise_ikpsk2_write_msg1 (&init2, init_e, init_s_pub, resp_s_pub, ss,
                                                  NULL, 0, msg1));
    g_assert_true (sy_wg_noise_ikpsk2_read_msg1_static (&resp2, resp_s, msg1, re2, rs2));
    g_assert_true (sy_wg_noise_ikpsk2_read_msg1_payload (&resp2, ss_resp, msg1, sizeof msg1,
                                                         dummy));
    g_assert_true (sy_wg_noise_ikpsk2_write_msg2 (&resp2, resp_e, re2, rs2, wrong_psk, NULL, 0,
                                                  msg2));
    g_assert_false (sy_wg_noise_ikpsk2_read_msg2 (&init2, init_e, init_s, psk, msg2, sizeof msg2,
                                                  dummy));
  }
}

/* ---- WireGuard handshakes ----------------------------------------------- */

typedef struct
{
  SyWgIdentity   identity;
  SyWgPeerStatic peer;        /* the other side */
  SyWgHandshake  handshake;
  SyWgCookieSender  cookie_sender;
  SyWgCookieChecker cookie_checker;
  SyWgKeypair    keypair;
  guint          lookups;
} Side;

typedef struct
{
  Side a;   /* initiator */
  Side b;   /* responder */
  gint64 now;
} Pair;

static gpointer
lookup_peer (const guint8           public_key[SY_WG_KEY_LEN],
             SyWgHandshake        **handshake,
             const SyWgPeerStatic **peer_static,
             gpointer               user_data)
{
  Side *side = user_data;

  side->lookups++;
  if (memcmp (public_key, side->peer.public_key, SY_WG_KEY_LEN) != 0)
    return NULL;
  *handshake = &side->handshake;
  *peer_static = &side->peer;
  return side;
}

static void
pair_init (Pair         *pair,
           const guint8 *psk)
{
  guint8 key[32];
  g_autoptr(GError) error = NULL;

  memset (pair, 0, sizeof *pair);
  sy_wg_generate_private_key (key);
  g_assert_true (sy_wg_identity_init (&pair->a.identity, key, &error));
  g_assert_no_error (error);
  sy_wg_generate_private_key (key);
  g_assert_true (sy_wg_identity_init (&pair->b.identity, key, &error));
  g_assert_no_error (error);

  g_assert_true (sy_wg_peer_static_init (&pair->a.peer, &pair->a.identity,
                                         pair->b.identity.public_key, psk, &error));
  g_assert_no_error (error);
  g_assert_true (sy_wg_peer_static_init (&pair->b.peer, &pair->b.identity,
                                         pair->a.identity.public_key, psk, &error));
  g_assert_no_error (error);
  /* DH(a, B) = DH(b, A) */
  g_assert_cmpmem (pair->a.peer.static_static, 32, pair->b.peer.static_static, 32);

  sy_wg_handshake_init (&pair->a.handshake);
  sy_wg_handshake_init (&pair->b.handshake);
  sy_wg_cookie_sender_init (&pair->a.cookie_sender, pair->b.identity.public_key);
  sy_wg_cookie_sender_init (&pair->b.cookie_sender, pair->a.identity.public_key);
  sy_wg_cookie_checker_init (&pair->a.cookie_checker, pair->a.identity.public_key);
  sy_wg_cookie_checker_init (&pair->b.cookie_checker, pair->b.identity.public_key);
  pair->now = 1000 * G_TIME_SPAN_SECOND;
}

static void
make_initiation (Pair                  *pair,
                 guint32                index,
                 SyWgMessageInitiation *msg)
{
  g_assert_true (sy_wg_handshake_create_initiation (&pair->a.handshake, &pair->a.identity,
                                                    &pair->a.peer, index, msg));
  g_assert_cmpint (pair->a.handshake.state, ==, SY_WG_HANDSHAKE_CREATED_INITIATION);
  sy_wg_cookie_sender_add_macs (&pair->a.cookie_sender, (guint8 *) msg, sizeof *msg, pair->now);
  g_assert_cmpint (sy_wg_message_classify ((guint8 *) msg, sizeof *msg), ==,
                   SY_WG_MESSAGE_INITIATION);
}

/* The responder's whole receive path for an initiation, as the device runs
 * it: classify, mac1, (mac2 under load), then the Noise part. */
static gboolean
responder_accepts (Pair                        *pair,
                   const SyWgMessageInitiation *msg,
                   gboolean                     under_load)
{
  static const guint8 address[4] = { 192, 0, 2, 1 };

  if (sy_wg_message_classify ((const guint8 *) msg, sizeof *msg) != SY_WG_MESSAGE_INITIATION)
    return FALSE;
  if (!sy_wg_cookie_checker_check_mac1 (&pair->b.cookie_checker, (const guint8 *) msg, sizeof *msg))
    return FALSE;
  if (under_load &&
      !sy_wg_cookie_checker_check_mac2 (&pair->b.cookie_checker, (const guint8 *) msg, sizeof *msg,
                                        address, 4, 51820, pair->now))
    return FALSE;
  return sy_wg_handshake_consume_initiation (&pair->b.identity, msg, pair->now,
                                             lookup_peer, &pair->b) == &pair->b;
}

static void
complete_handshake (Pair *pair)
{
  SyWgMessageInitiation init;
  SyWgMessageResponse resp;

  make_initiation (pair, 0x11111111, &init);
  g_assert_true (responder_accepts (pair, &init, FALSE));
  g_assert_cmpint (pair->b.handshake.state, ==, SY_WG_HANDSHAKE_CONSUMED_INITIATION);
  g_assert_cmphex (pair->b.handshake.remote_index, ==, 0x11111111);

  g_assert_true (sy_wg_handshake_create_response (&pair->b.handshake, &pair->b.identity,
                                                  &pair->b.peer, 0x22222222, &resp));
  sy_wg_cookie_sender_add_macs (&pair->b.cookie_sender, (guint8 *) &resp, sizeof resp, pair->now);
  g_assert_cmpint (sy_wg_message_classify ((guint8 *) &resp, sizeof resp), ==,
                   SY_WG_MESSAGE_RESPONSE);
  g_assert_cmphex (sy_wg_message_receiver_index ((guint8 *) &resp, sizeof resp), ==, 0x11111111);
  g_assert_true (sy_wg_cookie_checker_check_mac1 (&pair->a.cookie_checker, (guint8 *) &resp,
                                                  sizeof resp));
  g_assert_true (sy_wg_handshake_consume_response (&pair->a.handshake, &pair->a.identity,
                                                   &pair->a.peer, &resp));
  g_assert_cmpint (pair->a.handshake.state, ==, SY_WG_HANDSHAKE_CONSUMED_RESPONSE);

  g_assert_true (sy_wg_handshake_derive_keypair (&pair->a.handshake, &pair->a.keypair));
  g_assert_true (sy_wg_handshake_derive_keypair (&pair->b.handshake, &pair->b.keypair));

  g_assert_true (pair->a.keypair.initiator);
  g_assert_false (pair->b.keypair.initiator);
  g_assert_cmphex (pair->a.keypair.local_index, ==, 0x11111111);
  g_assert_cmphex (pair->a.keypair.remote_index, ==, 0x22222222);
  g_assert_cmphex (pair->b.keypair.local_index, ==, 0x22222222);
  g_assert_cmphex (pair->b.keypair.remote_index, ==, 0x11111111);
  g_assert_cmpmem (pair->a.keypair.send_key, 32, pair->b.keypair.receive_key, 32);
  g_assert_cmpmem (pair->a.keypair.receive_key, 32, pair->b.keypair.send_key, 32);
  g_assert_false (memcmp (pair->a.keypair.send_key, pair->a.keypair.receive_key, 32) == 0);

  /* the handshakes gave up their secrets but remember the timestamp */
  g_assert_cmpint (pair->a.handshake.state, ==, SY_WG_HANDSHAKE_ZEROED);
  g_assert_cmpint (pair->b.handshake.state, ==, SY_WG_HANDSHAKE_ZEROED);
  g_assert_true (sy_wg_is_zero_ct (pair->a.handshake.chaining_key, 32));
  g_assert_true (sy_wg_is_zero_ct (pair->a.handshake.ephemeral_private, 32));
  g_assert_true (sy_wg_is_zero_ct (pair->b.handshake.chaining_key, 32));
  g_assert_true (sy_wg_is_zero_ct (pair->b.handshake.hash, 32));
  g_assert_false (sy_wg_is_zero_ct (pair->b.handshake.latest_timestamp, 12));
  g_assert_false (sy_wg_handshake_derive_keypair (&pair->a.handshake, &pair->a.keypair) ||
                  sy_wg_handshake_derive_keypair (&pair->b.handshake, &pair->b.keypair));
}

/* Sends @len bytes from @from to @to and checks they arrive intact. */
static void
send_and_check (SyWgKeypair *from,
                SyWgKeypair *to,
                gsize        len,
                guint64      expected_counter)
{
  guint8 packet[2048], msg[2048 + 64], *plain;
  gsize msg_len, plain_len;
  guint64 counter;

  for (gsize i = 0; i < len; i++)
    packet[i] = (guint8) (i * 31 + len);

  msg_len = sy_wg_transport_encrypt (from, packet, len, 0, msg, sizeof msg);
  g_assert_cmpuint (msg_len, ==, SY_WG_TRANSPORT_LEN (sy_wg_transport_padded_length (len, 0)));
  g_assert_cmpuint ((msg_len - 32) % 16, ==, 0);
  g_assert_cmpint (sy_wg_message_classify (msg, msg_len), ==, SY_WG_MESSAGE_TRANSPORT);
  g_assert_cmphex (sy_wg_message_receiver_index (msg, msg_len), ==, to->local_index);

  g_assert_true (sy_wg_transport_decrypt (to, msg, msg_len, &plain, &plain_len, &counter));
  g_assert_cmpuint (counter, ==, expected_counter);
  g_assert_true (plain == msg + 16);
  g_assert_cmpuint (plain_len, ==, sy_wg_transport_padded_length (len, 0));
  g_assert_cmpmem (plain, len, packet, len);
  g_assert_true (sy_wg_is_zero_ct (plain + len, plain_len - len));
}

static void
run_handshake_and_transport (const guint8 *psk)
{
  Pair pair;

  pair_init (&pair, psk);
  complete_handshake (&pair);

  send_and_check (&pair.a.keypair, &pair.b.keypair, 0, 0);      /* keepalive */
  send_and_check (&pair.a.keypair, &pair.b.keypair, 1, 1);
  send_and_check (&pair.a.keypair, &pair.b.keypair, 1420, 2);
  send_and_check (&pair.b.keypair, &pair.a.keypair, 20, 0);
  send_and_check (&pair.b.keypair, &pair.a.keypair, 1500, 1);
  send_and_check (&pair.b.keypair, &pair.a.keypair, 17, 2);
  g_assert_cmpuint (pair.a.keypair.send_counter, ==, 3);
  g_assert_cmpuint (pair.b.keypair.send_counter, ==, 3);
}

static void
test_handshake_no_psk (void)
{
  run_handshake_and_transport (NULL);
}

static void
test_handshake_psk (void)
{
  guint8 psk[32];

  sy_wg_random_bytes (psk, sizeof psk);
  run_handshake_and_transport (psk);
}

static void
test_handshake_psk_mismatch (void)
{
  Pair pair;
  guint8 psk[32];
  SyWgMessageInitiation init;
  SyWgMessageResponse resp;

  /* Only the responder has the PSK: the initiation (which does not use
   * it) passes, the response does not. */
  sy_wg_random_bytes (psk, sizeof psk);
  pair_init (&pair, NULL);
  memcpy (pair.b.peer.preshared_key, psk, 32);

  make_initiation (&pair, 1, &init);
  g_assert_true (responder_accepts (&pair, &init, FALSE));
  g_assert_true (sy_wg_handshake_create_response (&pair.b.handshake, &pair.b.identity,
                                                  &pair.b.peer, 2, &resp));
  g_assert_false (sy_wg_handshake_consume_response (&pair.a.handshake, &pair.a.identity,
                                                    &pair.a.peer, &resp));
  g_assert_cmpint (pair.a.handshake.state, ==, SY_WG_HANDSHAKE_CREATED_INITIATION);
}

/* Every single-byte change of an initiation before mac2 is refused by the
 * responder's receive path; every change inside the Noise part is refused
 * by consume_initiation() itself even with a recomputed (valid) mac1.
 * (mac2 is looked at only under load: test-wg-cookie checks that each
 * change to it is refused then.) */
static void
test_tampered_initiation (void)
{
  Pair pair;
  SyWgMessageInitiation init, bad;
  guint8 *bytes = (guint8 *) &bad;

  pair_init (&pair, NULL);
  make_initiation (&pair, 7, &init);

  for (gsize i = 0; i < sizeof init; i++)
    for (guint bit = 0; bit < 8; bit += 3)
      {
        gboolean mac2_byte = i >= offsetof (SyWgMessageInitiation, mac2);

        bad = init;
        bytes[i] ^= (guint8) (1u << bit);
        if (!mac2_byte)
          g_assert_false (responder_accepts (&pair, &bad, FALSE));

        if (i >= offsetof (SyWgMessageInitiation, unencrypted_ephemeral) &&
            i < offsetof (SyWgMessageInitiation, mac1))
          {
            /* with mac1 made right again, the AEAD still catches it */
            sy_wg_cookie_sender_add_macs (&pair.a.cookie_sender, bytes, sizeof bad, pair.now);
            g_assert_true (sy_wg_cookie_checker_check_mac1 (&pair.b.cookie_checker, bytes,
                                                            sizeof bad));
            g_assert_null (sy_wg_handshake_consume_initiation (&pair.b.identity, &bad, pair.now,
                                                               lookup_peer, &pair.b));
          }
      }
  g_assert_cmpint (pair.b.handshake.state, ==, SY_WG_HANDSHAKE_ZEROED);

  /* under load without a cookie, even the untouched message is refused */
  g_assert_false (responder_accepts (&pair, &init, TRUE));
  /* and the original still works */
  g_assert_true (responder_accepts (&pair, &init, FALSE));
}

static void
test_replayed_initiation (void)
{
  Pair pair;
  SyWgMessageInitiation first, second;

  pair_init (&pair, NULL);
  make_initiation (&pair, 1, &first);
  g_assert_true (responder_accepts (&pair, &first, FALSE));

  /* the same message again, much later: same timestamp, refused */
  pair.now += 10 * G_TIME_SPAN_SECOND;
  g_assert_false (responder_accepts (&pair, &first, FALSE));
  g_assert_cmpint (pair.b.handshake.state, ==, SY_WG_HANDSHAKE_CONSUMED_INITIATION);

  /* a newer one is accepted; after it, the older one is refused for good */
  make_initiation (&pair, 2, &second);
  g_assert_true (responder_accepts (&pair, &second, FALSE));
  g_assert_cmphex (pair.b.handshake.remote_index, ==, 2);
  pair.now += 10 * G_TIME_SPAN_SECOND;
  g_assert_false (responder_accepts (&pair, &first, FALSE));
  g_assert_false (responder_accepts (&pair, &second, FALSE));
  g_assert_cmphex (pair.b.handshake.remote_index, ==, 2);

  /* also after a completed handshake (the timestamp outlives it) */
  g_assert_true (sy_wg_handshake_create_response (&pair.b.handshake, &pair.b.identity,
                                                  &pair.b.peer, 9, &(SyWgMessageResponse) { 0 }));
  g_assert_true (sy_wg_handshake_derive_keypair (&pair.b.handshake, &pair.b.keypair));
  g_assert_false (responder_accepts (&pair, &second, FALSE));
}

static void
test_initiation_flood (void)
{
  Pair pair;
  SyWgMessageInitiation first, second;

  pair_init (&pair, NULL);
  make_initiation (&pair, 1, &first);
  g_assert_true (responder_accepts (&pair, &first, FALSE));

  /* a fresh, genuine initiation 5 ms later is still refused */
  make_initiation (&pair, 2, &second);
  pair.now += 5 * G_TIME_SPAN_MILLISECOND;
  g_assert_false (responder_accepts (&pair, &second, FALSE));
  g_assert_cmphex (pair.b.handshake.remote_index, ==, 1);
  /* once the interval passed, the same message is fine */
  pair.now += SY_WG_INITIATION_MIN_INTERVAL_US;
  g_assert_true (responder_accepts (&pair, &second, FALSE));
  g_assert_cmphex (pair.b.handshake.remote_index, ==, 2);
}

static void
test_wrong_mac1 (void)
{
  Pair pair, other;
  SyWgMessageInitiation init;

  pair_init (&pair, NULL);
  pair_init (&other, NULL);
  make_initiation (&pair, 1, &init);

  /* mac1 made for another responder's key */
  sy_wg_mac (init.mac1, other.a.cookie_sender.mac1_key, 32, (guint8 *) &init,
             offsetof (SyWgMessageInitiation, mac1));
  g_assert_false (responder_accepts (&pair, &init, FALSE));
  /* zero mac1 */
  memset (init.mac1, 0, sizeof init.mac1);
  g_assert_false (responder_accepts (&pair, &init, FALSE));
  g_assert_cmpuint (pair.b.lookups, ==, 0);
  /* mac1 checks of the wrong length */
  g_assert_false (sy_wg_cookie_checker_check_mac1 (&pair.b.cookie_checker, (guint8 *) &init, 147));
}

static void
test_unknown_peer (void)
{
  Pair pair, stranger;
  SyWgMessageInitiation init;

  /* a valid initiation (right mac1 for B) from a key B does not know */
  pair_init (&pair, NULL);
  pair_init (&stranger, NULL);
  g_assert_true (sy_wg_peer_static_init (&stranger.a.peer, &stranger.a.identity,
                                         pair.b.identity.public_key, NULL, NULL));
  sy_wg_cookie_sender_init (&stranger.a.cookie_sender, pair.b.identity.public_key);
  g_assert_true (sy_wg_handshake_create_initiation (&stranger.a.handshake, &stranger.a.identity,
                                                    &stranger.a.peer, 5, &init));
  sy_wg_cookie_sender_add_macs (&stranger.a.cookie_sender, (guint8 *) &init, sizeof init, pair.now);

  g_assert_false (responder_accepts (&pair, &init, FALSE));
  g_assert_cmpuint (pair.b.lookups, ==, 1);   /* the static key decrypted, lookup said no */
  g_assert_cmpint (pair.b.handshake.state, ==, SY_WG_HANDSHAKE_ZEROED);
}

static void
test_tampered_response (void)
{
  Pair pair;
  SyWgMessageInitiation init;
  SyWgMessageResponse resp, bad;
  guint8 *bytes = (guint8 *) &bad;

  pair_init (&pair, NULL);
  make_initiation (&pair, 0xabc, &init);
  g_assert_true (responder_accepts (&pair, &init, FALSE));
  g_assert_true (sy_wg_handshake_create_response (&pair.b.handshake, &pair.b.identity,
                                                  &pair.b.peer, 0xdef, &resp));
  sy_wg_cookie_sender_add_macs (&pair.b.cookie_sender, (guint8 *) &resp, sizeof resp, pair.now);

  for (gsize i = 0; i < offsetof (SyWgMessageResponse, mac2); i++)
    {
      bad = resp;
      bytes[i] ^= 0x10;
      g_assert_false (sy_wg_message_classify (bytes, sizeof bad) == SY_WG_MESSAGE_RESPONSE &&
                      sy_wg_cookie_checker_check_mac1 (&pair.a.cookie_checker, bytes, sizeof bad));

      if (i >= offsetof (SyWgMessageResponse, receiver_index) &&
          i < offsetof (SyWgMessageResponse, mac1))
        g_assert_false (sy_wg_handshake_consume_response (&pair.a.handshake, &pair.a.identity,
                                                          &pair.a.peer, &bad));
      g_assert_cmpint (pair.a.handshake.state, ==, SY_WG_HANDSHAKE_CREATED_INITIATION);
    }

  /* a forged response left the handshake intact: the real one completes it */
  g_assert_true (sy_wg_handshake_consume_response (&pair.a.handshake, &pair.a.identity,
                                                   &pair.a.peer, &resp));
  /* and only once */
  g_assert_false (sy_wg_handshake_consume_response (&pair.a.handshake, &pair.a.identity,
                                                    &pair.a.peer, &resp));
}

static void
test_state_machine (void)
{
  Pair pair;
  SyWgMessageResponse resp;
  SyWgMessageInitiation init;
  SyWgKeypair kp;

  pair_init (&pair, NULL);
  /* nothing consumed: no response, no keypair */
  g_assert_false (sy_wg_handshake_create_response (&pair.b.handshake, &pair.b.identity,
                                                   &pair.b.peer, 1, &resp));
  g_assert_false (sy_wg_handshake_derive_keypair (&pair.b.handshake, &kp));

  make_initiation (&pair, 1, &init);
  /* an initiator cannot derive before the response */
  g_assert_false (sy_wg_handshake_derive_keypair (&pair.a.handshake, &kp));
  g_assert_true (responder_accepts (&pair, &init, FALSE));
  /* a responder cannot derive before it responded */
  g_assert_false (sy_wg_handshake_derive_keypair (&pair.b.handshake, &kp));
  g_assert_true (sy_wg_handshake_create_response (&pair.b.handshake, &pair.b.identity,
                                                  &pair.b.peer, 2, &resp));

  /* a response for another of our indices is refused */
  sy_wg_write_le32 (resp.receiver_index, 99);
  g_assert_false (sy_wg_handshake_consume_response (&pair.a.handshake, &pair.a.identity,
                                                    &pair.a.peer, &resp));
  sy_wg_write_le32 (resp.receiver_index, 1);

  /* a newer initiation from us replaces the old handshake: the response
   * to the old one no longer fits */
  make_initiation (&pair, 1, &init);
  g_assert_false (sy_wg_handshake_consume_response (&pair.a.handshake, &pair.a.identity,
                                                    &pair.a.peer, &resp));
}

static void
test_bad_keys (void)
{
  SyWgIdentity identity;
  SyWgPeerStatic peer;
  guint8 key[32] = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_false (sy_wg_identity_init (&identity, key, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  sy_wg_generate_private_key (key);
  g_assert_true (sy_wg_identity_init (&identity, key, NULL));

  /* a low-order public key: no DH with it can work */
  memset (key, 0, sizeof key);
  g_assert_false (sy_wg_peer_static_init (&peer, &identity, key, NULL, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* our own key as a peer */
  g_assert_false (sy_wg_peer_static_init (&peer, &identity, identity.public_key, NULL, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
}

static void
test_transport_forgery (void)
{
  Pair pair;
  guint8 packet[100], msg[256], bad[256], *plain;
  gsize len, plain_len;
  guint64 counter;

  pair_init (&pair, NULL);
  complete_handshake (&pair);
  memset (packet, 0x42, sizeof packet);

  len = sy_wg_transport_encrypt (&pair.a.keypair, packet, sizeof packet, 0, msg, sizeof msg);
  g_assert_cmpuint (len, ==, 16 + 112 + 16);

  for (gsize i = 0; i < len; i++)
    {
      memcpy (bad, msg, len);
      bad[i] ^= 0x01;
      g_assert_false (sy_wg_transport_decrypt (&pair.b.keypair, bad, len, &plain, &plain_len,
                                               &counter));
      /* refused messages are left as they came, with no plaintext */
      bad[i] ^= 0x01;
      g_assert_cmpmem (bad, len, msg, len);
    }
  /* truncated, or at the wrong keypair */
  memcpy (bad, msg, len);
  g_assert_false (sy_wg_transport_decrypt (&pair.b.keypair, bad, len - 1, &plain, &plain_len,
                                           &counter));
  g_assert_false (sy_wg_transport_decrypt (&pair.b.keypair, bad, 31, &plain, &plain_len, &counter));
  g_assert_false (sy_wg_transport_decrypt (&pair.a.keypair, bad, len, &plain, &plain_len,
                                           &counter));
  /* the receiving side's own send key does not open it either */
  {
    SyWgKeypair swapped = pair.b.keypair;

    memcpy (swapped.receive_key, pair.b.keypair.send_key, 32);
    g_assert_false (sy_wg_transport_decrypt (&swapped, bad, len, &plain, &plain_len, &counter));
  }
  /* decrypt does not enforce replay (the caller's window does): the same
   * message authenticates again and reports the same counter */
  g_assert_true (sy_wg_transport_decrypt (&pair.b.keypair, bad, len, &plain, &plain_len, &counter));
  g_assert_cmpuint (counter, ==, 0);
  g_assert_cmpmem (plain, sizeof packet, packet, sizeof packet);
}

static void
test_transport_limits (void)
{
  Pair pair;
  guint8 packet[64] = { 1, 2, 3 }, msg[256], *plain;
  gsize len, plain_len;
  guint64 counter;

  pair_init (&pair, NULL);
  complete_handshake (&pair);

  /* the last usable counter works, then the keypair refuses to send */
  pair.a.keypair.send_counter = SY_WG_REJECT_AFTER_MESSAGES - 1;
  len = sy_wg_transport_encrypt (&pair.a.keypair, packet, 3, 0, msg, sizeof msg);
  g_assert_cmpuint (len, ==, 48);
  g_assert_true (sy_wg_transport_decrypt (&pair.b.keypair, msg, len, &plain, &plain_len, &counter));
  g_assert_cmpuint (counter, ==, SY_WG_REJECT_AFTER_MESSAGES - 1);
  g_assert_cmpuint (sy_wg_transport_encrypt (&pair.a.keypair, packet, 3, 0, msg, sizeof msg), ==,
                    0);
  g_assert_cmpuint (pair.a.keypair.send_counter, ==, SY_WG_REJECT_AFTER_MESSAGES);

  /* a received counter past the limit is refused, even correctly sealed
   * (built by hand: our own sender refuses to make it) */
  memset (msg, 0, 16);
  msg[0] = SY_WG_MESSAGE_TRANSPORT;
  sy_wg_write_le32 (msg + 4, pair.a.keypair.local_index);
  for (guint64 n = SY_WG_REJECT_AFTER_MESSAGES - 1; n <= SY_WG_REJECT_AFTER_MESSAGES; n++)
    {
      sy_wg_write_le64 (msg + 8, n);
      memset (msg + 16, 0, 16);
      sy_wg_aead_encrypt (msg + 16, pair.b.keypair.send_key, n, msg + 16, 16, NULL, 0);
      g_assert_cmpint (sy_wg_transport_decrypt (&pair.a.keypair, msg, 48, &plain, &plain_len,
                                                &counter),
                       ==, n < SY_WG_REJECT_AFTER_MESSAGES);
    }

  /* too small an output buffer: nothing written, counter not used up */
  pair.b.keypair.send_counter = 5;
  g_assert_cmpuint (sy_wg_transport_encrypt (&pair.b.keypair, packet, 20, 0, msg, 16 + 32 + 15),
                    ==, 0);
  g_assert_cmpuint (pair.b.keypair.send_counter, ==, 5);

  /* padding: multiples of 16, but never past the MTU */
  g_assert_cmpuint (sy_wg_transport_padded_length (0, 1420), ==, 0);
  g_assert_cmpuint (sy_wg_transport_padded_length (1, 1420), ==, 16);
  g_assert_cmpuint (sy_wg_transport_padded_length (16, 1420), ==, 16);
  g_assert_cmpuint (sy_wg_transport_padded_length (1419, 1420), ==, 1420);
  g_assert_cmpuint (sy_wg_transport_padded_length (1413, 1420), ==, 1420);
  g_assert_cmpuint (sy_wg_transport_padded_length (1400, 1420), ==, 1408);
  g_assert_cmpuint (sy_wg_transport_padded_length (1419, 0), ==, 1424);
  g_assert_cmpuint (sy_wg_transport_padded_length (1500, 1420), ==, 1504);
}

static void
test_transport_in_place (void)
{
  Pair pair;
  guint8 buf[16 + 1424 + 16], *plain;
  gsize len, plain_len;
  guint64 counter;

  pair_init (&pair, NULL);
  complete_handshake (&pair);

  /* the device reads packets at offset 16 of its buffer and seals there */
  for (guint i = 0; i < 1419; i++)
    buf[16 + i] = (guint8) i;
  len = sy_wg_transport_encrypt (&pair.b.keypair, buf + 16, 1419, 1420, buf, sizeof buf);
  g_assert_cmpuint (len, ==, 16 + 1420 + 16);
  g_assert_true (sy_wg_transport_decrypt (&pair.a.keypair, buf, len, &plain, &plain_len, &counter));
  g_assert_cmpuint (plain_len, ==, 1420);
  for (guint i = 0; i < 1419; i++)
    g_assert_cmpuint (plain[i], ==, (guint8) i);
  g_assert_cmpuint (plain[1419], ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wireguard/noise/blake2s-rfc7693", test_blake2s);
  g_test_add_func ("/wireguard/noise/kdf-wireguard-go", test_kdf);
  g_test_add_func ("/wireguard/noise/chacha20poly1305-rfc8439", test_aead);
  g_test_add_func ("/wireguard/noise/xchacha20poly1305", test_xaead);
  g_test_add_func ("/wireguard/noise/x25519-rfc7748", test_x25519);
  g_test_add_func ("/wireguard/noise/helpers", test_helpers);
  g_test_add_func ("/wireguard/noise/tai64n", test_tai64n);
  g_test_add_func ("/wireguard/noise/classify", test_classify);
  g_test_add_func ("/wireguard/noise/cacophony-ikpsk2", test_cacophony_ikpsk2);
  g_test_add_func ("/wireguard/noise/handshake-no-psk", test_handshake_no_psk);
  g_test_add_func ("/wireguard/noise/handshake-psk", test_handshake_psk);
  g_test_add_func ("/wireguard/noise/handshake-psk-mismatch", test_handshake_psk_mismatch);
  g_test_add_func ("/wireguard/noise/tampered-initiation", test_tampered_initiation);
  g_test_add_func ("/wireguard/noise/replayed-initiation", test_replayed_initiation);
  g_test_add_func ("/wireguard/noise/initiation-flood", test_initiation_flood);
  g_test_add_func ("/wireguard/noise/wrong-mac1", test_wrong_mac1);
  g_test_add_func ("/wireguard/noise/unknown-peer", test_unknown_peer);
  g_test_add_func ("/wireguard/noise/tampered-response", test_tampered_response);
  g_test_add_func ("/wireguard/noise/state-machine", test_state_machine);
  g_test_add_func ("/wireguard/noise/bad-keys", test_bad_keys);
  g_test_add_func ("/wireguard/noise/transport-forgery", test_transport_forgery);
  g_test_add_func ("/wireguard/noise/transport-limits", test_transport_limits);
  g_test_add_func ("/wireguard/noise/transport-in-place", test_transport_in_place);

  return g_test_run ();
}
