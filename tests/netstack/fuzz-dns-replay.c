/* fuzz-dns-replay.c — runs the DNS answer fuzz harness over its seeds, mutated
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built into the normal test suite so that the harness keeps compiling and
 * its consistency checks run on every `meson test`, without clang. Each
 * seed (tests/fuzz/corpus/dns-answer) is fed whole, cut at every length,
 * and with every byte replaced by values that matter to the parser: 0
 * (root label, zero counts), 0x3f (a long label), 0xc0 and 0xff
 * (compression pointers, huge counts).
 */

#include "config.h"

#include <stdint.h>
#include <string.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static guint runs;

static void
feed (const guint8 *data,
      gsize         size)
{
  /* a copy of exactly @size bytes, so that ASan sees any overread */
  g_autofree guint8 *copy = g_memdup2 (data, size);

  LLVMFuzzerTestOneInput (copy, size);
  runs++;
}

static void
feed_variants (const guint8 *data,
               gsize         size)
{
  static const guint8 values[] = { 0x00, 0x01, 0x3f, 0xc0, 0xff };
  g_autofree guint8 *mutant = g_memdup2 (data, size);

  for (gsize cut = 0; cut <= size; cut++)
    feed (data, cut);

  for (gsize i = 0; i < size; i++)
    for (guint v = 0; v < G_N_ELEMENTS (values); v++)
      {
        mutant[i] = values[v];
        feed (mutant, size);
        mutant[i] = data[i];
      }
}

static void
test_replay (void)
{
  g_autoptr(GDir) dir = g_dir_open (DNS_FUZZ_CORPUS, 0, NULL);
  const char *entry;
  guint files = 0;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (DNS_FUZZ_CORPUS, entry, NULL);
      g_autofree char *data = NULL;
      gsize length;

      g_assert_true (g_file_get_contents (path, &data, &length, NULL));
      g_test_message ("%s", path);
      feed_variants ((const guint8 *) data, length);
      files++;
    }

  /* host names for the encoder */
  feed ((const guint8 *) "www.Example.COM.", 16);
  feed ((const guint8 *) "a..b", 4);
  feed ((const guint8 *) "-", 1);

  g_test_message ("%u inputs from %u files", runs, files);
  g_assert_cmpuint (files, >=, 5);
  g_assert_cmpuint (runs, >, 1000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/netstack/dns-answer-fuzz-replay", test_replay);
  return g_test_run ();
}
