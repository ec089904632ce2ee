/* test-wg-replay.c — the replay window against Linux's sequence and a reference model
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>

#include "wireguard/sy-wg-replay.h"

#define WINDOW  ((guint64) SY_WG_REPLAY_WINDOW)
#define LIMIT   (WINDOW + 1)
#define REJECT  SY_WG_REJECT_AFTER_MESSAGES

typedef struct
{
  guint64  counter;
  gboolean expected;
} Step;

static void
run_steps (SyWgReplay *replay,
           const Step *steps,
           gsize       n_steps)
{
  for (gsize i = 0; i < n_steps; i++)
    {
      gboolean got = sy_wg_replay_check (replay, steps[i].counter);

      if (got != steps[i].expected)
        g_error ("step %" G_GSIZE_FORMAT ": counter %" G_GUINT64_FORMAT ": got %s, wanted %s",
                 i, steps[i].counter, got ? "accept" : "reject",
                 steps[i].expected ? "accept" : "reject");
    }
}

/* The (counter, verdict) sequence of the Linux kernel's self-test
 * (drivers/net/wireguard/selftest/counter.c): in-order, reordered, repeated,
 * far-ahead jumps, the edges of the window and of Reject-After-Messages. */
static void
test_kernel_sequence (void)
{
  const Step steps[] = {
    { 0, TRUE },
    { 1, TRUE },
    { 1, FALSE },
    { 9, TRUE },
    { 8, TRUE },
    { 7, TRUE },
    { 7, FALSE },
    { LIMIT, TRUE },
    { LIMIT - 1, TRUE },
    { LIMIT - 1, FALSE },
    { LIMIT - 2, TRUE },
    { 2, TRUE },
    { 2, FALSE },
    { LIMIT + 16, TRUE },
    { 3, FALSE },
    { LIMIT + 16, FALSE },
    { LIMIT * 4, TRUE },
    { LIMIT * 4 - (LIMIT - 1), TRUE },
    { 10, FALSE },
    { LIMIT * 4 - LIMIT, FALSE },
    { LIMIT * 4 - (LIMIT + 1), FALSE },
    { LIMIT * 4 - (LIMIT - 2), TRUE },
    { LIMIT * 4 + 1 - LIMIT, FALSE },
    { 0, FALSE },
    { REJECT, FALSE },
    { REJECT - 1, TRUE },
    { REJECT, FALSE },
    { REJECT - 1, FALSE },
    { REJECT - 2, TRUE },
    { REJECT + 1, FALSE },
    { REJECT + 2, FALSE },
    { REJECT - 2, FALSE },
    { REJECT - 3, TRUE },
    { 0, FALSE },
  };
  SyWgReplay replay;

  sy_wg_replay_init (&replay);
  run_steps (&replay, steps, G_N_ELEMENTS (steps));
}

static void
expect (SyWgReplay *replay,
        guint64     counter,
        gboolean    expected)
{
  Step step = { counter, expected };

  run_steps (replay, &step, 1);
}

/* The kernel's bulk runs: a full window in order and in reverse, then the
 * counters just inside and just outside it. */
static void
test_kernel_bulk (void)
{
  SyWgReplay replay;
  guint64 i;

  sy_wg_replay_init (&replay);
  for (i = 1; i <= WINDOW; i++)
    expect (&replay, i, TRUE);
  expect (&replay, 0, TRUE);
  expect (&replay, 0, FALSE);

  sy_wg_replay_init (&replay);
  for (i = 2; i <= WINDOW + 1; i++)
    expect (&replay, i, TRUE);
  expect (&replay, 1, TRUE);
  expect (&replay, 0, FALSE);

  sy_wg_replay_init (&replay);
  for (i = WINDOW + 1; i-- > 0;)
    expect (&replay, i, TRUE);

  sy_wg_replay_init (&replay);
  for (i = WINDOW + 2; i-- > 1;)
    expect (&replay, i, TRUE);
  expect (&replay, 0, FALSE);

  sy_wg_replay_init (&replay);
  for (i = WINDOW + 1; i-- > 1;)
    expect (&replay, i, TRUE);
  expect (&replay, WINDOW + 1, TRUE);
  expect (&replay, 0, FALSE);

  sy_wg_replay_init (&replay);
  for (i = WINDOW + 1; i-- > 1;)
    expect (&replay, i, TRUE);
  expect (&replay, 0, TRUE);
  expect (&replay, WINDOW + 1, TRUE);
}

/* Random traffic with reordering, duplicates and jumps against the plain
 * definition: accept a counter if it is not more than WINDOW behind the
 * greatest accepted and was not accepted before. */
static void
test_reference_model (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x5157);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  SyWgReplay replay;
  guint64 greatest = 0;
  gboolean any = FALSE;
  guint accepted = 0;

  sy_wg_replay_init (&replay);
  for (guint step = 0; step < 200000; step++)
    {
      guint64 counter;
      guint choice = (guint) g_rand_int_range (rand, 0, 100);
      gboolean expected;
      gboolean got;

      if (!any || choice < 60)
        counter = greatest + (guint64) g_rand_int_range (rand, 0, 4);
      else if (choice < 90)
        {
          guint64 back = (guint64) g_rand_int_range (rand, 0, WINDOW + 200);

          counter = greatest - MIN (greatest, back);
        }
      else if (choice < 99)
        counter = greatest + (guint64) g_rand_int_range (rand, 60, 3 * WINDOW);
      else
        counter = greatest + (guint64) g_rand_int_range (rand, 0, 64);

      expected = !g_hash_table_contains (seen, &counter) &&
                 (!any || counter + WINDOW >= greatest);
      got = sy_wg_replay_check (&replay, counter);
      if (got != expected)
        g_error ("step %u: counter %" G_GUINT64_FORMAT " (greatest %" G_GUINT64_FORMAT
                 "): got %d, wanted %d", step, counter, greatest, got, expected);
      if (got)
        {
          g_hash_table_add (seen, g_memdup2 (&counter, sizeof counter));
          if (!any || counter > greatest)
            greatest = counter;
          any = TRUE;
          accepted++;
        }
    }
  g_assert_cmpuint (accepted, >, 50000);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wireguard/replay/kernel-sequence", test_kernel_sequence);
  g_test_add_func ("/wireguard/replay/kernel-bulk", test_kernel_bulk);
  g_test_add_func ("/wireguard/replay/reference-model", test_reference_model);

  return g_test_run ();
}
