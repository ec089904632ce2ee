/* test-wg-ratelimit.c — the per-source token bucket for handshakes under load
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>

#include "wireguard/sy-wg-ratelimit.h"

static guint
allowed_in (SyWgRatelimit *limit,
            const guint8  *address,
            gsize          address_len,
            gint64         from,
            gint64         to,
            gint64         step)
{
  guint allowed = 0;

  for (gint64 t = from; t < to; t += step)
    allowed += sy_wg_ratelimit_allow (limit, address, address_len, t);
  return allowed;
}

static void
test_burst_and_rate (void)
{
  g_autoptr(SyWgRatelimit) limit = sy_wg_ratelimit_new ();
  const guint8 a[4] = { 192, 0, 2, 1 };
  const guint8 b[4] = { 192, 0, 2, 2 };
  gint64 t0 = 1000 * G_TIME_SPAN_SECOND;
  guint allowed;

  /* A burst of 5 at once, then nothing more at the same instant. */
  g_assert_cmpuint (allowed_in (limit, a, 4, t0, t0 + 100, 1), ==, SY_WG_RATELIMIT_BURST);
  /* Another source has its own bucket. */
  g_assert_true (sy_wg_ratelimit_allow (limit, b, 4, t0));

  /* A flood of one message per millisecond for 10 s gets 20 a second. */
  allowed = allowed_in (limit, a, 4, t0 + G_TIME_SPAN_MILLISECOND,
                        t0 + 10 * G_TIME_SPAN_SECOND, G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (allowed, >=, 10 * SY_WG_RATELIMIT_PER_SECOND - 1);
  g_assert_cmpuint (allowed, <=, 10 * SY_WG_RATELIMIT_PER_SECOND + 1);

  /* After a quiet second the burst is back, and no more. */
  g_assert_cmpuint (allowed_in (limit, a, 4, t0 + 11 * G_TIME_SPAN_SECOND,
                                t0 + 11 * G_TIME_SPAN_SECOND + 100, 1), ==, SY_WG_RATELIMIT_BURST);
}

static void
test_ipv6_per_64 (void)
{
  g_autoptr(SyWgRatelimit) limit = sy_wg_ratelimit_new ();
  guint8 address[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1 };
  guint8 other_64[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 2 };
  gint64 t0 = 1000 * G_TIME_SPAN_SECOND;
  guint allowed = 0;

  /* Hopping through the interface identifiers of one /64 does not help. */
  for (guint i = 0; i < 100; i++)
    {
      address[15] = (guint8) i;
      allowed += sy_wg_ratelimit_allow (limit, address, 16, t0);
    }
  g_assert_cmpuint (allowed, ==, SY_WG_RATELIMIT_BURST);
  g_assert_true (sy_wg_ratelimit_allow (limit, other_64, 16, t0));
}

static void
test_bounded (void)
{
  g_autoptr(SyWgRatelimit) limit = sy_wg_ratelimit_new ();
  gint64 t0 = 1000 * G_TIME_SPAN_SECOND;
  guint8 address[4] = { 10, 0, 0, 0 };

  /* Many sources at once: the table stops growing and refuses new ones. */
  for (guint i = 0; i < SY_WG_RATELIMIT_MAX_ENTRIES + 100; i++)
    {
      gboolean ok;

      address[1] = (guint8) (i >> 16);
      address[2] = (guint8) (i >> 8);
      address[3] = (guint8) i;
      ok = sy_wg_ratelimit_allow (limit, address, 4, t0);
      g_assert_true (ok == (i < SY_WG_RATELIMIT_MAX_ENTRIES));
    }
  g_assert_cmpuint (sy_wg_ratelimit_get_size (limit), ==, SY_WG_RATELIMIT_MAX_ENTRIES);

  /* Once they fall quiet they are forgotten and new sources get in. */
  g_assert_true (sy_wg_ratelimit_allow (limit, (const guint8 *) "\x0b\0\0\1", 4,
                                        t0 + 2 * G_TIME_SPAN_SECOND));
  g_assert_cmpuint (sy_wg_ratelimit_get_size (limit), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wireguard/ratelimit/burst-and-rate", test_burst_and_rate);
  g_test_add_func ("/wireguard/ratelimit/ipv6-per-64", test_ipv6_per_64);
  g_test_add_func ("/wireguard/ratelimit/bounded", test_bounded);

  return g_test_run ();
}
