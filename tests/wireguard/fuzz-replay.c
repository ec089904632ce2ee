/* fuzz-replay.c — runs the wg-quick/wireproxy fuzz harness over the samples
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built into the normal test suite so that the harness keeps compiling and
 * its round-trip checks run on every `meson test`, without clang. Each
 * sample (the test data and the fuzzer's seed corpus) is fed whole, and
 * again with each of its lines removed and with each line cut in half,
 * which reaches most error paths.
 */

#include "config.h"

#include <stdint.h>
#include <string.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static guint runs;

static void
feed (const char *text,
      gsize       length)
{
  LLVMFuzzerTestOneInput ((const uint8_t *) text, length);
  runs++;
}

static void
feed_variants (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = g_strv_length (lines);

  feed (text, strlen (text));

  for (guint skip = 0; skip < n; skip++)
    for (guint cut = 0; cut < 2; cut++)
      {
        g_autoptr(GString) variant = g_string_new (NULL);

        for (guint i = 0; i < n; i++)
          {
            if (i == skip && cut == 0)
              continue;
            if (i == skip)
              g_string_append_len (variant, lines[i], strlen (lines[i]) / 2);
            else
              g_string_append (variant, lines[i]);
            g_string_append_c (variant, '\n');
          }
        feed (variant->str, variant->len);
      }
}

static void
feed_directory (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *entry;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, entry, NULL);
      g_autofree char *text = NULL;
      gsize length;

      g_assert_true (g_file_get_contents (child, &text, &length, NULL));
      g_test_message ("%s", child);
      feed_variants (text);
    }
}

static void
test_replay (void)
{
  static const char * const seeds[] = {
    "",
    "[Interface]\nPrivateKey=wDq2rpofsQBID7tFVyTBA4bpoCXdxr9yOKgBuvVDHng=\n",
    "10.0.0.0/8",
    "fd00::1/64",
    "KdEzKD+TILrtNqias1Q3enPd5nsTSRiStDgoPmzJkFs=",
  };

  /* Some samples read environment variables. */
  g_setenv ("WG_TEST_PRIVATE_KEY", "wNeFgtgq2sBLgm5siQgDJ8Ix5jt3MTeI1iZJRdGTbnc=", TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
    feed_variants (seeds[i]);

  feed_directory (WG_TEST_DATA);
  feed_directory (WG_FUZZ_CORPUS);
  g_test_message ("%u inputs", runs);
  g_assert_cmpuint (runs, >, 500);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/wireguard/fuzz-replay", test_replay);
  return g_test_run ();
}
