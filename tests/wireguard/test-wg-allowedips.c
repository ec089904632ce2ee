/* test-wg-allowedips.c — longest-prefix match for AllowedIPs
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib.h>

#include "wireguard/sy-wg-allowedips.h"

/* Distinct non-NULL tokens standing for peers. */
static int peers[8];
#define PEER(n) ((gpointer) &peers[n])

static void
insert (SyWgAllowedips *table,
        const char     *text,
        gpointer        peer)
{
  SyWgPrefix prefix;
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_wg_prefix_parse (text, &prefix, &error));
  g_assert_no_error (error);
  g_assert_true (sy_wg_allowedips_insert (table, &prefix, peer));
}

static gpointer
lookup (SyWgAllowedips *table,
        const char     *text)
{
  guint8 family;
  guint8 bytes[16];

  g_assert_true (sy_wg_address_parse (text, &family, bytes));
  return sy_wg_allowedips_lookup (table, family, bytes);
}

static void
test_overlapping (void)
{
  g_autoptr(SyWgAllowedips) table = sy_wg_allowedips_new ();

  g_assert_null (lookup (table, "10.0.0.1"));

  insert (table, "10.0.0.0/8", PEER (1));
  insert (table, "10.1.0.0/16", PEER (2));
  insert (table, "10.1.2.0/24", PEER (3));
  insert (table, "10.1.2.128/25", PEER (4));
  insert (table, "192.168.0.0/16", PEER (5));
  g_assert_cmpuint (sy_wg_allowedips_get_size (table), ==, 5);

  g_assert_true (lookup (table, "10.200.0.1") == PEER (1));
  g_assert_true (lookup (table, "10.1.200.1") == PEER (2));
  g_assert_true (lookup (table, "10.1.2.1") == PEER (3));
  g_assert_true (lookup (table, "10.1.2.127") == PEER (3));
  g_assert_true (lookup (table, "10.1.2.128") == PEER (4));
  g_assert_true (lookup (table, "10.1.2.255") == PEER (4));
  g_assert_true (lookup (table, "192.168.44.3") == PEER (5));
  g_assert_null (lookup (table, "11.0.0.1"));
  g_assert_null (lookup (table, "192.169.0.1"));
  /* IPv4 entries say nothing about IPv6, even mapped addresses. */
  g_assert_null (lookup (table, "::ffff:10.1.2.3"));

  /* Inserted in the other order (shorter after longer): same answers. */
  sy_wg_allowedips_clear (table);
  insert (table, "10.1.2.128/25", PEER (4));
  insert (table, "10.1.2.0/24", PEER (3));
  insert (table, "10.1.0.0/16", PEER (2));
  insert (table, "10.0.0.0/8", PEER (1));
  g_assert_true (lookup (table, "10.200.0.1") == PEER (1));
  g_assert_true (lookup (table, "10.1.200.1") == PEER (2));
  g_assert_true (lookup (table, "10.1.2.1") == PEER (3));
  g_assert_true (lookup (table, "10.1.2.200") == PEER (4));

  /* Siblings that part deep inside a byte create a branch node. */
  insert (table, "10.1.3.0/24", PEER (5));
  g_assert_true (lookup (table, "10.1.3.9") == PEER (5));
  g_assert_true (lookup (table, "10.1.2.9") == PEER (3));
  g_assert_true (lookup (table, "10.1.4.9") == PEER (2));
}

static void
test_edges (void)
{
  g_autoptr(SyWgAllowedips) table = sy_wg_allowedips_new ();

  insert (table, "0.0.0.0/0", PEER (1));
  insert (table, "::/0", PEER (2));
  g_assert_true (lookup (table, "1.2.3.4") == PEER (1));
  g_assert_true (lookup (table, "255.255.255.255") == PEER (1));
  g_assert_true (lookup (table, "0.0.0.0") == PEER (1));
  g_assert_true (lookup (table, "2001:db8::1") == PEER (2));
  g_assert_true (lookup (table, "::") == PEER (2));

  insert (table, "1.2.3.4/32", PEER (3));
  insert (table, "2001:db8::1/128", PEER (4));
  g_assert_true (lookup (table, "1.2.3.4") == PEER (3));
  g_assert_true (lookup (table, "1.2.3.5") == PEER (1));
  g_assert_true (lookup (table, "2001:db8::1") == PEER (4));
  g_assert_true (lookup (table, "2001:db8::2") == PEER (2));
  g_assert_true (lookup (table, "2001:db8::") == PEER (2));

  insert (table, "255.255.255.255/32", PEER (5));
  insert (table, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", PEER (5));
  g_assert_true (lookup (table, "255.255.255.255") == PEER (5));
  g_assert_true (lookup (table, "255.255.255.254") == PEER (1));
  g_assert_true (lookup (table, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == PEER (5));
  g_assert_true (lookup (table, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe") == PEER (2));

  /* A /0 moves to another peer. */
  insert (table, "0.0.0.0/0", PEER (6));
  g_assert_true (lookup (table, "9.9.9.9") == PEER (6));
  g_assert_cmpuint (sy_wg_allowedips_get_size (table), ==, 6);
}

static void
test_host_bits (void)
{
  g_autoptr(SyWgAllowedips) table = sy_wg_allowedips_new ();
  SyWgPrefix prefix;

  /* 10.1.2.3/8 is 10.0.0.0/8: it must match the whole /8. */
  insert (table, "10.1.2.3/8", PEER (1));
  g_assert_true (lookup (table, "10.250.0.1") == PEER (1));
  insert (table, "10.0.0.0/8", PEER (2));
  g_assert_cmpuint (sy_wg_allowedips_get_size (table), ==, 1);
  g_assert_true (lookup (table, "10.1.2.3") == PEER (2));

  insert (table, "fd00::1234:5678/64", PEER (3));
  g_assert_true (lookup (table, "fd00::ffff") == PEER (3));
  g_assert_true (lookup (table, "fd00:0:0:1::1") == NULL);

  /* Removal normalises too. */
  g_assert_true (sy_wg_prefix_parse ("fd00::9/64", &prefix, NULL));
  g_assert_true (sy_wg_allowedips_remove (table, &prefix));
  g_assert_null (lookup (table, "fd00::ffff"));

  /* Bad lengths are refused. */
  g_assert_true (sy_wg_prefix_parse ("10.0.0.0/8", &prefix, NULL));
  prefix.length = 33;
  g_assert_false (sy_wg_allowedips_insert (table, &prefix, PEER (1)));
  prefix.family = 5;
  prefix.length = 8;
  g_assert_false (sy_wg_allowedips_insert (table, &prefix, PEER (1)));
}

static void
test_remove_peer (void)
{
  g_autoptr(SyWgAllowedips) table = sy_wg_allowedips_new ();
  SyWgPrefix prefix;

  insert (table, "10.0.0.0/8", PEER (1));
  insert (table, "10.1.0.0/16", PEER (2));
  insert (table, "10.1.2.0/24", PEER (1));
  insert (table, "10.1.3.0/24", PEER (2));
  insert (table, "10.1.2.7/32", PEER (2));
  insert (table, "fd00::/8", PEER (1));
  insert (table, "fd00:1::/32", PEER (2));
  g_assert_cmpuint (sy_wg_allowedips_get_size (table), ==, 7);

  g_assert_cmpuint (sy_wg_allowedips_remove_peer (table, PEER (1)), ==, 3);
  g_assert_cmpuint (sy_wg_allowedips_get_size (table), ==, 4);
  g_assert_null (lookup (table, "10.200.0.1"));
  g_assert_true (lookup (table, "10.1.2.1") == PEER (2));   /* falls back to the /16 */
  g_assert_true (lookup (table, "10.1.2.7") == PEER (2));
  g_assert_true (lookup (table, "10.1.3.1") == PEER (2));
  g_assert_null (lookup (table, "fd01::1"));
  g_assert_true (lookup (table, "fd00:1::1") == PEER (2));

  g_assert_cmpuint (sy_wg_allowedips_remove_peer (table, PEER (1)), ==, 0);

  g_assert_true (sy_wg_prefix_parse ("10.1.0.0/16", &prefix, NULL));
  g_assert_true (sy_wg_allowedips_remove (table, &prefix));
  g_assert_false (sy_wg_allowedips_remove (table, &prefix));
  g_assert_null (lookup (table, "10.1.2.1"));
  g_assert_true (lookup (table, "10.1.3.1") == PEER (2));

  g_assert_cmpuint (sy_wg_allowedips_remove_peer (table, PEER (2)), ==, 3);
  g_assert_cmpuint (sy_wg_allowedips_get_size (table), ==, 0);
  g_assert_null (lookup (table, "10.1.3.1"));
  g_assert_null (lookup (table, "fd00:1::1"));

  /* The table is still usable after being emptied. */
  insert (table, "10.1.0.0/16", PEER (3));
  g_assert_true (lookup (table, "10.1.3.1") == PEER (3));
}

typedef struct
{
  SyWgPrefix prefix;
  guint      peer;
} RefEntry;

/* The brute-force answer: the longest entry containing the address. */
static gpointer
reference_lookup (GArray       *entries,
                  guint8        family,
                  const guint8 *address)
{
  gint best = -1;
  gpointer peer = NULL;

  for (guint i = 0; i < entries->len; i++)
    {
      RefEntry *entry = &g_array_index (entries, RefEntry, i);

      if (entry->prefix.family == family &&
          sy_wg_prefix_contains (&entry->prefix, family, address) &&
          (gint) entry->prefix.length > best)
        {
          best = entry->prefix.length;
          peer = PEER (entry->peer);
        }
    }
  return peer;
}

static void
reference_insert (GArray           *entries,
                  const SyWgPrefix *prefix,
                  guint             peer)
{
  RefEntry entry = { *prefix, peer };

  sy_wg_prefix_mask (&entry.prefix);
  for (guint i = 0; i < entries->len; i++)
    if (sy_wg_prefix_equal (&g_array_index (entries, RefEntry, i).prefix, &entry.prefix))
      {
        g_array_index (entries, RefEntry, i).peer = peer;
        return;
      }
  g_array_append_val (entries, entry);
}

/* Random addresses clustered in a few regions, so that prefixes nest and
 * share long runs of bits, the cases path compression must get right. */
static void
random_address (GRand  *rand,
                guint8  family,
                guint8  bytes[16])
{
  guint n = family == 4 ? 4 : 16;

  memset (bytes, 0, 16);
  for (guint i = 0; i < n; i++)
    bytes[i] = (guint8) g_rand_int_range (rand, 0, 256);
  if (g_rand_boolean (rand))
    {
      bytes[0] = family == 4 ? 10 : 0xfd;
      if (g_rand_boolean (rand))
        bytes[1] = (guint8) g_rand_int_range (rand, 0, 4);
    }
}

static void
check_against_reference (SyWgAllowedips *table,
                         GArray         *entries,
                         GRand          *rand,
                         guint           probes)
{
  for (guint i = 0; i < probes; i++)
    {
      guint8 family = g_rand_boolean (rand) ? 4 : 6;
      guint8 address[16];
      gpointer want;
      gpointer got;

      if (entries->len > 0 && g_rand_boolean (rand))
        {
          /* An address inside (or just past) an existing prefix. */
          RefEntry *entry = &g_array_index (entries, RefEntry,
                                            g_rand_int_range (rand, 0, entries->len));
          guint n = entry->prefix.family == 4 ? 4 : 16;

          family = entry->prefix.family;
          memcpy (address, entry->prefix.bytes, 16);
          if (g_rand_boolean (rand))
            {
              guint byte = (guint) g_rand_int_range (rand, 0, n);

              address[byte] ^= (guint8) (1u << g_rand_int_range (rand, 0, 8));
            }
        }
      else
        random_address (rand, family, address);

      want = reference_lookup (entries, family, address);
      got = sy_wg_allowedips_lookup (table, family, address);
      if (want != got)
        g_error ("probe %u: the trie and the reference disagree", i);
    }
}

static void
test_random_against_reference (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260101);
  g_autoptr(SyWgAllowedips) table = sy_wg_allowedips_new ();
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (RefEntry));

  for (guint round = 0; round < 6; round++)
    {
      for (guint i = 0; i < 400; i++)
        {
          SyWgPrefix prefix = { 0 };
          guint peer = (guint) g_rand_int_range (rand, 1, G_N_ELEMENTS (peers));

          prefix.family = g_rand_boolean (rand) ? 4 : 6;
          random_address (rand, prefix.family, prefix.bytes);
          prefix.length = (guint8) g_rand_int_range (rand, 0, prefix.family == 4 ? 33 : 129);
          /* Host bits stay set: the table must mask them itself. */
          g_assert_true (sy_wg_allowedips_insert (table, &prefix, PEER (peer)));
          reference_insert (entries, &prefix, peer);
        }
      g_assert_cmpuint (sy_wg_allowedips_get_size (table), ==, entries->len);
      check_against_reference (table, entries, rand, 20000);

      /* Take some prefixes out one by one, and one peer entirely. */
      for (guint i = 0; i < 100 && entries->len > 0; i++)
        {
          guint index = (guint) g_rand_int_range (rand, 0, entries->len);
          SyWgPrefix prefix = g_array_index (entries, RefEntry, index).prefix;

          g_assert_true (sy_wg_allowedips_remove (table, &prefix));
          g_array_remove_index_fast (entries, index);
        }
      {
        guint victim = (guint) g_rand_int_range (rand, 1, G_N_ELEMENTS (peers));
        guint expected = 0;

        for (guint i = entries->len; i-- > 0;)
          if (g_array_index (entries, RefEntry, i).peer == victim)
            {
              g_array_remove_index_fast (entries, i);
              expected++;
            }
        g_assert_cmpuint (sy_wg_allowedips_remove_peer (table, PEER (victim)), ==, expected);
      }
      g_assert_cmpuint (sy_wg_allowedips_get_size (table), ==, entries->len);
      check_against_reference (table, entries, rand, 20000);
    }
}

static void
count_entry (const SyWgPrefix *prefix,
             gpointer          peer,
             gpointer          user_data)
{
  GArray *seen = user_data;

  g_assert_true (sy_wg_prefix_is_masked (prefix));
  g_array_append_val (seen, *prefix);
}

static void
test_foreach (void)
{
  g_autoptr(SyWgAllowedips) table = sy_wg_allowedips_new ();
  g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (SyWgPrefix));
  char text[SY_WG_PREFIX_STRING_MAX];

  insert (table, "fd00::/8", PEER (1));
  insert (table, "10.1.2.0/24", PEER (1));
  insert (table, "10.0.0.0/8", PEER (2));
  insert (table, "10.1.3.0/24", PEER (2));
  sy_wg_allowedips_foreach (table, count_entry, seen);
  g_assert_cmpuint (seen->len, ==, 4);
  g_assert_cmpstr (sy_wg_prefix_format (&g_array_index (seen, SyWgPrefix, 0), text), ==,
                   "10.0.0.0/8");
  g_assert_cmpstr (sy_wg_prefix_format (&g_array_index (seen, SyWgPrefix, 1), text), ==,
                   "10.1.2.0/24");
  g_assert_cmpstr (sy_wg_prefix_format (&g_array_index (seen, SyWgPrefix, 2), text), ==,
                   "10.1.3.0/24");
  g_assert_cmpstr (sy_wg_prefix_format (&g_array_index (seen, SyWgPrefix, 3), text), ==,
                   "fd00::/8");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wireguard/allowedips/overlapping", test_overlapping);
  g_test_add_func ("/wireguard/allowedips/edges", test_edges);
  g_test_add_func ("/wireguard/allowedips/host-bits", test_host_bits);
  g_test_add_func ("/wireguard/allowedips/remove-peer", test_remove_peer);
  g_test_add_func ("/wireguard/allowedips/random-against-reference", test_random_against_reference);
  g_test_add_func ("/wireguard/allowedips/foreach", test_foreach);

  return g_test_run ();
}
