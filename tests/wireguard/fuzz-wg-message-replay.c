/* fuzz-wg-message-replay.c — runs the WireGuard message fuzz harness without clang
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built into the normal test suite so that the harness keeps compiling and
 * its checks run on every `meson test`. It first proves that the harness's
 * valid seeds reach the success paths (and that the committed seed corpus
 * still equals them), then feeds the corpus with every single-bit change,
 * every truncation and a few thousand random inputs. Under the ASan build
 * (_build-asan) any read out of bounds fails the test.
 *
 * SY_WRITE_FUZZ_SEEDS=1 writes the seeds into tests/fuzz/corpus/wg-message/.
 */

#include "config.h"

#include <stdint.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "wireguard/sy-wg-messages.h"

typedef struct
{
  guint classified[5];
  guint initiations;
  guint responses;
  guint cookies;
  guint transports;
} FuzzWgMessageStats;

extern FuzzWgMessageStats fuzz_wg_message_stats;
gsize fuzz_wg_message_seed (SyWgMessageType  type,
                            guint8          *out,
                            gsize            out_size);
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static const struct { SyWgMessageType type; const char *name; } seeds[] = {
  { SY_WG_MESSAGE_INITIATION, "seed-initiation" },
  { SY_WG_MESSAGE_RESPONSE, "seed-response" },
  { SY_WG_MESSAGE_COOKIE, "seed-cookie-reply" },
  { SY_WG_MESSAGE_TRANSPORT, "seed-transport" },
};

static guint runs;

static void
feed (const guint8 *data,
      gsize         len)
{
  /* an exact-size heap copy, so ASan sees reads past the end */
  g_autofree guint8 *copy = g_memdup2 (data, len);

  LLVMFuzzerTestOneInput (copy, len);
  runs++;
}

static void
test_seeds (void)
{
  guint8 buf[256];
  FuzzWgMessageStats before;
  gsize len;

  for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
    {
      g_autofree char *path = g_build_filename (WG_MESSAGE_CORPUS, seeds[i].name, NULL);
      g_autofree char *stored = NULL;
      gsize stored_len;

      len = fuzz_wg_message_seed (seeds[i].type, buf, sizeof buf);
      g_assert_cmpuint (len, >=, SY_WG_TRANSPORT_MIN_LEN);
      g_assert_cmpint (sy_wg_message_classify (buf, len), ==, seeds[i].type);

      if (g_getenv ("SY_WRITE_FUZZ_SEEDS") != NULL)
        g_assert_true (g_file_set_contents (path, (const char *) buf, (gssize) len, NULL));
      /* the committed seeds are still the valid messages for the harness's keys */
      g_assert_true (g_file_get_contents (path, &stored, &stored_len, NULL));
      g_assert_cmpmem (stored, stored_len, buf, len);

      before = fuzz_wg_message_stats;
      feed (buf, len);
      g_assert_cmpuint (fuzz_wg_message_stats.classified[seeds[i].type], ==,
                        before.classified[seeds[i].type] + 1);
      switch (seeds[i].type)
        {
        case SY_WG_MESSAGE_INITIATION:
          g_assert_cmpuint (fuzz_wg_message_stats.initiations, ==, before.initiations + 1);
          break;
        case SY_WG_MESSAGE_RESPONSE:
          g_assert_cmpuint (fuzz_wg_message_stats.responses, ==, before.responses + 1);
          break;
        case SY_WG_MESSAGE_COOKIE:
          g_assert_cmpuint (fuzz_wg_message_stats.cookies, ==, before.cookies + 1);
          break;
        case SY_WG_MESSAGE_TRANSPORT:
          g_assert_cmpuint (fuzz_wg_message_stats.transports, ==, before.transports + 1);
          break;
        case SY_WG_MESSAGE_INVALID:
        default:
          g_assert_not_reached ();
        }
    }
}

static void
feed_mutations (const guint8 *data,
                gsize         len)
{
  g_autofree guint8 *buf = g_malloc (len + 64);

  feed (data, len);

  /* every bit of every byte */
  for (gsize i = 0; i < len; i++)
    for (guint bit = 0; bit < 8; bit++)
      {
        memcpy (buf, data, len);
        buf[i] ^= (guint8) (1u << bit);
        feed (buf, len);
      }

  /* every prefix, and a few extensions */
  for (gsize cut = 0; cut < len; cut++)
    feed (data, cut);
  memcpy (buf, data, len);
  for (gsize extra = 1; extra <= 64; extra += 7)
    {
      memset (buf + len, (int) extra, extra);
      feed (buf, len + extra);
    }
}

static void
test_corpus (void)
{
  g_autoptr(GDir) dir = g_dir_open (WG_MESSAGE_CORPUS, 0, NULL);
  FuzzWgMessageStats before = fuzz_wg_message_stats;
  const char *entry;
  guint files = 0;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (WG_MESSAGE_CORPUS, entry, NULL);
      g_autofree char *data = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      g_test_message ("%s (%" G_GSIZE_FORMAT " bytes)", entry, len);
      feed_mutations ((const guint8 *) data, len);
      files++;
    }
  g_assert_cmpuint (files, >=, G_N_ELEMENTS (seeds));

  /* The unchanged seeds succeed; changed ones only where the harness
   * forces the bits back (the 32 bits of the type word) or where
   * consume_initiation() does not look: the sender index (32 bits) and
   * mac1/mac2 (256 bits), which the caller checks; and the 10 extended
   * copies, of which the harness takes the first 148 bytes. Responses
   * alike. A cookie reply is authenticated but for its type word and the
   * receiver index (which only routes it), a transport message in
   * everything but its type word. */
  g_assert_cmpuint (fuzz_wg_message_stats.initiations - before.initiations, ==,
                    1 + 32 + 32 + 256 + 10);
  g_assert_cmpuint (fuzz_wg_message_stats.responses - before.responses, ==, 1 + 32 + 32 + 256 + 10);
  g_assert_cmpuint (fuzz_wg_message_stats.cookies - before.cookies, ==, 1 + 32 + 32 + 10);
  g_assert_cmpuint (fuzz_wg_message_stats.transports - before.transports, ==, 1 + 32);
  g_test_message ("%u inputs", runs);
}

static void
test_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260101);
  guint8 buf[400];

  for (guint i = 0; i < 3000; i++)
    {
      gsize len = (gsize) g_rand_int_range (rand, 0, sizeof buf);

      for (gsize j = 0; j < len; j++)
        buf[j] = (guint8) g_rand_int (rand);
      /* half of them with a plausible type word */
      if (len >= 4 && i % 2 == 0)
        {
          buf[0] = (guint8) (1 + i % 4);
          buf[1] = buf[2] = buf[3] = 0;
        }
      feed (buf, len);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wireguard/message-fuzz/seeds", test_seeds);
  g_test_add_func ("/wireguard/message-fuzz/corpus", test_corpus);
  g_test_add_func ("/wireguard/message-fuzz/random", test_random);

  return g_test_run ();
}
