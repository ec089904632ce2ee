/* fuzz-replay.c — runs the config fuzz harness over the sample files
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built into the normal test suite so that the harness keeps compiling and
 * its round-trip checks run on every `meson test`, without clang. Each
 * sample file is fed whole, and again with each of its lines removed and
 * with each line cut in half, which reaches most error paths.
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

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          feed_directory (child);
          continue;
        }

      g_assert_true (g_file_get_contents (child, &text, NULL, NULL));
      feed_variants (text);
    }
}

static void
test_replay (void)
{
  static const char * const seeds[] = {
    "",
    "[Service]\nAutostart=false\nFwMark=0x10\n[Direct]\nInterface=eth0\n",
    "[Inbound a]\nPassword=\\s x \\\\ y\\s\nUsername=u\n",
    "[Inbound a]\nListen=::\nPort=1\n[Inbound b]\nListen=127.0.0.1\nPort=2\n",
    "[Upstream a]\nURL=socks5h://u%3A:p%25@[::1]:1/\n[Upstream b]\nHost=[::2]\nPort=2\n",
    "[Upstream a]\nType=HTTP\nHost=bücher.example.\nPort=00080\nUsername=u\n",
    "[HealthCheck]\nExpectedStatus= 204 ,200 - 299\nURL=https://[::1]:8/x?y#z\n",
    "socks5://user:pa%20ss@host.example:1080",
    "http://[2001:db8::1]:8080/",
    "200-299,301",
  };

  for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
    feed_variants (seeds[i]);

  feed_directory (CONFIG_TEST_DATA);
  g_test_message ("%u inputs", runs);
  g_assert_cmpuint (runs, >, 100);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/config/fuzz-replay", test_replay);
  return g_test_run ();
}
