/* test-pool-strategy.c — the pure selection functions of a pool
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pool/sy-pool-strategy.h"

#define MAX_MEMBERS 6
#define MAX_PICKS   12
#define U           (-1)   /* unknown latency */

/* A fixed random sequence: returns values[i++ % n] (mod bound, which the
 * tables below never exceed). */
typedef struct
{
  const guint32 *values;
  guint          n;
  guint          next;
} FixedRandom;

static guint32
fixed_random (guint32  bound,
              gpointer user_data)
{
  FixedRandom *random = user_data;
  guint32 value = random->values[random->next++ % random->n];

  g_assert_cmpuint (value, <, bound);
  return value;
}

/* Counts 0, 1, …, bound-1, 0, …: over k·bound picks every member is chosen
 * exactly k·weight times. */
static guint32
counting_random (guint32  bound,
                 gpointer user_data)
{
  guint *counter = user_data;

  return (*counter)++ % bound;
}

typedef struct
{
  gboolean eligible;
  guint    weight;
  guint    active;
  gint64   latency_ms;
} Member;

typedef struct
{
  const char     *name;
  SyPoolStrategy  strategy;
  guint           n_members;
  Member          members[MAX_MEMBERS];
  guint           n_picks;
  gint64          expected[MAX_PICKS];   /* index picked each time, -1: none */
  guint32         random[MAX_PICKS];     /* for weighted-random */
} PickCase;

static const PickCase pick_cases[] = {
  { "round-robin/all", SY_POOL_STRATEGY_ROUND_ROBIN, 3,
    { { TRUE, 1, 0, U }, { TRUE, 1, 0, U }, { TRUE, 1, 0, U } },
    7, { 0, 1, 2, 0, 1, 2, 0 } },
  { "round-robin/skips-ineligible", SY_POOL_STRATEGY_ROUND_ROBIN, 4,
    { { TRUE, 1, 0, U }, { FALSE, 1, 0, U }, { TRUE, 1, 0, U }, { FALSE, 1, 0, U } },
    5, { 0, 2, 0, 2, 0 } },
  { "round-robin/first-ineligible", SY_POOL_STRATEGY_ROUND_ROBIN, 3,
    { { FALSE, 1, 0, U }, { TRUE, 1, 0, U }, { TRUE, 1, 0, U } },
    4, { 1, 2, 1, 2 } },
  { "round-robin/none", SY_POOL_STRATEGY_ROUND_ROBIN, 2,
    { { FALSE, 1, 0, U }, { FALSE, 1, 0, U } },
    2, { -1, -1 } },
  { "round-robin/empty", SY_POOL_STRATEGY_ROUND_ROBIN, 0,
    { { 0 } },
    1, { -1 } },
  { "failover/first", SY_POOL_STRATEGY_FAILOVER, 3,
    { { TRUE, 1, 0, U }, { TRUE, 1, 0, U }, { TRUE, 1, 0, U } },
    3, { 0, 0, 0 } },
  { "failover/skips-down", SY_POOL_STRATEGY_FAILOVER, 3,
    { { FALSE, 1, 0, U }, { FALSE, 1, 0, U }, { TRUE, 1, 0, U } },
    3, { 2, 2, 2 } },
  { "failover/none", SY_POOL_STRATEGY_FAILOVER, 2,
    { { FALSE, 1, 0, U }, { FALSE, 1, 0, U } },
    1, { -1 } },
  /* weights 1, 3, (ineligible 5), 2: total 6; slots 0 | 1 2 3 | 4 5 */
  { "weighted/fixed-sequence", SY_POOL_STRATEGY_WEIGHTED_RANDOM, 4,
    { { TRUE, 1, 0, U }, { TRUE, 3, 0, U }, { FALSE, 5, 0, U }, { TRUE, 2, 0, U } },
    7, { 0, 1, 1, 1, 3, 3, 1 }, { 0, 1, 2, 3, 4, 5, 2 } },
  { "weighted/zero-weight-never", SY_POOL_STRATEGY_WEIGHTED_RANDOM, 3,
    { { TRUE, 0, 0, U }, { TRUE, 2, 0, U }, { TRUE, 1, 0, U } },
    3, { 1, 1, 2 }, { 0, 1, 2 } },
  { "weighted/all-zero-even", SY_POOL_STRATEGY_WEIGHTED_RANDOM, 2,
    { { TRUE, 0, 0, U }, { TRUE, 0, 0, U } },
    2, { 0, 1 }, { 0, 1 } },
  { "weighted/none", SY_POOL_STRATEGY_WEIGHTED_RANDOM, 1,
    { { FALSE, 4, 0, U } },
    1, { -1 }, { 0 } },
  { "least-connections/fewest", SY_POOL_STRATEGY_LEAST_CONNECTIONS, 3,
    { { TRUE, 1, 4, U }, { TRUE, 1, 2, U }, { TRUE, 1, 9, U } },
    2, { 1, 1 } },
  { "least-connections/ineligible-idle", SY_POOL_STRATEGY_LEAST_CONNECTIONS, 3,
    { { FALSE, 1, 0, U }, { TRUE, 1, 5, U }, { TRUE, 1, 2, U } },
    2, { 2, 2 } },
  /* ties between 1 and 3 rotate, starting in pool order */
  { "least-connections/ties-rotate", SY_POOL_STRATEGY_LEAST_CONNECTIONS, 4,
    { { TRUE, 1, 2, U }, { TRUE, 1, 1, U }, { TRUE, 1, 3, U }, { TRUE, 1, 1, U } },
    4, { 1, 3, 1, 3 } },
  { "least-connections/all-idle", SY_POOL_STRATEGY_LEAST_CONNECTIONS, 3,
    { { TRUE, 1, 0, U }, { TRUE, 1, 0, U }, { TRUE, 1, 0, U } },
    4, { 0, 1, 2, 0 } },
  { "lowest-latency/fastest", SY_POOL_STRATEGY_LOWEST_LATENCY, 3,
    { { TRUE, 1, 0, 120 }, { TRUE, 1, 0, 30 }, { TRUE, 1, 0, 90 } },
    2, { 1, 1 } },
  { "lowest-latency/unknown-ranks-last", SY_POOL_STRATEGY_LOWEST_LATENCY, 3,
    { { TRUE, 1, 0, U }, { TRUE, 1, 0, 300 }, { TRUE, 1, 0, U } },
    2, { 1, 1 } },
  { "lowest-latency/all-unknown-first", SY_POOL_STRATEGY_LOWEST_LATENCY, 3,
    { { FALSE, 1, 0, U }, { TRUE, 1, 0, U }, { TRUE, 1, 0, U } },
    2, { 1, 1 } },
  { "lowest-latency/skips-ineligible", SY_POOL_STRATEGY_LOWEST_LATENCY, 2,
    { { FALSE, 1, 0, 5 }, { TRUE, 1, 0, 500 } },
    1, { 1 } },
};

static void
fill_candidates (SyPoolCandidate *candidates,
                 const Member    *members,
                 guint            n)
{
  for (guint i = 0; i < n; i++)
    {
      candidates[i].index = i;
      candidates[i].eligible = members[i].eligible;
      candidates[i].weight = members[i].weight;
      candidates[i].active = members[i].active;
      candidates[i].latency_ms = members[i].latency_ms;
    }
}

static void
test_pick_table (gconstpointer data)
{
  const PickCase *tc = data;
  SyPoolCandidate candidates[MAX_MEMBERS];
  SyPoolStrategyState state;
  FixedRandom random = { tc->random, tc->n_picks, 0 };

  fill_candidates (candidates, tc->members, tc->n_members);
  sy_pool_strategy_init (&state, tc->strategy, 50);
  sy_pool_strategy_set_random (&state, fixed_random, &random);

  for (guint i = 0; i < tc->n_picks; i++)
    {
      gint64 got = sy_pool_strategy_pick (&state, candidates, tc->n_members);

      if (got != tc->expected[i])
        g_error ("%s: pick %u chose %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT,
                 tc->name, i, got, tc->expected[i]);
    }
}

/* Weighted random over whole cycles of the random source hits each member
 * exactly in proportion to its weight. */
static void
test_weighted_distribution (void)
{
  const Member members[] = {
    { TRUE, 5, 0, U }, { TRUE, 1, 0, U }, { FALSE, 50, 0, U }, { TRUE, 3, 0, U }, { TRUE, 1, 0, U },
  };
  const guint expected[] = { 500, 100, 0, 300, 100 };
  SyPoolCandidate candidates[G_N_ELEMENTS (members)];
  guint counts[G_N_ELEMENTS (members)] = { 0 };
  SyPoolStrategyState state;
  guint counter = 0;

  fill_candidates (candidates, members, G_N_ELEMENTS (members));
  sy_pool_strategy_init (&state, SY_POOL_STRATEGY_WEIGHTED_RANDOM, 0);
  sy_pool_strategy_set_random (&state, counting_random, &counter);

  for (guint i = 0; i < 1000; i++)
    {
      gint64 got = sy_pool_strategy_pick (&state, candidates, G_N_ELEMENTS (members));

      g_assert_cmpint (got, >=, 0);
      counts[got]++;
    }

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    g_assert_cmpuint (counts[i], ==, expected[i]);
}

/* The default source still respects weights: a zero-weight member is never
 * chosen and an ineligible one never. */
static void
test_weighted_default_random (void)
{
  const Member members[] = { { TRUE, 0, 0, U }, { FALSE, 9, 0, U }, { TRUE, 1, 0, U }, { TRUE, 2, 0, U } };
  SyPoolCandidate candidates[G_N_ELEMENTS (members)];
  SyPoolStrategyState state;

  fill_candidates (candidates, members, G_N_ELEMENTS (members));
  sy_pool_strategy_init (&state, SY_POOL_STRATEGY_WEIGHTED_RANDOM, 0);

  for (guint i = 0; i < 200; i++)
    {
      gint64 got = sy_pool_strategy_pick (&state, candidates, G_N_ELEMENTS (members));

      g_assert_true (got == 2 || got == 3);
    }
}

/* A=100 ms is the choice; B at 80 ms is not better by more than the 50 ms
 * tolerance, so it stays; B at 40 ms is, so it switches; A then improving
 * to 10 ms (30 ms better) does not switch back. */
static void
test_lowest_latency_hysteresis (void)
{
  SyPoolCandidate candidates[2] = {
    { 0, TRUE, 1, 0, 100 },
    { 1, TRUE, 1, 0, -1 },
  };
  SyPoolStrategyState state;

  sy_pool_strategy_init (&state, SY_POOL_STRATEGY_LOWEST_LATENCY, 50);

  g_assert_cmpint (sy_pool_strategy_pick (&state, candidates, 2), ==, 0);
  g_assert_cmpint (state.current, ==, 0);

  candidates[1].latency_ms = 80;
  g_assert_cmpint (sy_pool_strategy_pick (&state, candidates, 2), ==, 0);

  candidates[1].latency_ms = 50;   /* exactly the tolerance: not more */
  g_assert_cmpint (sy_pool_strategy_pick (&state, candidates, 2), ==, 0);

  candidates[1].latency_ms = 40;
  g_assert_cmpint (sy_pool_strategy_pick (&state, candidates, 2), ==, 1);
  g_assert_cmpint (sy_pool_strategy_pick (&state, candidates, 2), ==, 1);

  candidates[0].latency_ms = 10;
  g_assert_cmpint (sy_pool_strategy_pick (&state, candidates, 2), ==, 1);

  /* The choice goes down: the other one takes over at once. */
  candidates[1].eligible = FALSE;
  g_assert_cmpint (sy_pool_strategy_pick (&state, candidates, 2), ==, 0);
  candidates[1].eligible = TRUE;
  candidates[1].latency_ms = 5;
  g_assert_cmpint (sy_pool_strategy_pick (&state, candidates, 2), ==, 0);

  /* A choice whose latency is unknown yields to any known one. */
  sy_pool_strategy_reset (&state);
  candidates[0].latency_ms = -1;
  candidates[1].latency_ms = -1;
  g_assert_cmpint (sy_pool_strategy_pick (&state, candidates, 2), ==, 0);
  candidates[1].latency_ms = 900;
  g_assert_cmpint (sy_pool_strategy_pick (&state, candidates, 2), ==, 1);
}

/* Zero tolerance switches on any improvement, but never on a tie. */
static void
test_lowest_latency_zero_tolerance (void)
{
  SyPoolCandidate candidates[2] = {
    { 0, TRUE, 1, 0, 20 },
    { 1, TRUE, 1, 0, 20 },
  };
  SyPoolStrategyState state;

  sy_pool_strategy_init (&state, SY_POOL_STRATEGY_LOWEST_LATENCY, 0);
  g_assert_cmpint (sy_pool_strategy_pick (&state, candidates, 2), ==, 0);
  candidates[0].latency_ms = 21;
  g_assert_cmpint (sy_pool_strategy_pick (&state, candidates, 2), ==, 1);
  candidates[0].latency_ms = 20;
  g_assert_cmpint (sy_pool_strategy_pick (&state, candidates, 2), ==, 1);
}

static gboolean
contains (const guint *values,
          guint        n,
          guint        value)
{
  for (guint i = 0; i < n; i++)
    if (values[i] == value)
      return TRUE;
  return FALSE;
}

/* For every strategy, from every starting state: retries visit each eligible
 * member at most once, never an ineligible one, and end with -1. */
static void
test_retries_never_revisit (void)
{
  const Member members[MAX_MEMBERS] = {
    { TRUE, 2, 3, 40 }, { FALSE, 1, 0, 10 }, { TRUE, 1, 1, U },
    { TRUE, 0, 1, 200 }, { TRUE, 5, 0, 40 }, { FALSE, 3, 0, U },
  };
  const guint n_eligible = 4;
  SyPoolCandidate candidates[MAX_MEMBERS];

  fill_candidates (candidates, members, MAX_MEMBERS);

  for (SyPoolStrategy strategy = SY_POOL_STRATEGY_ROUND_ROBIN;
       strategy <= SY_POOL_STRATEGY_LOWEST_LATENCY; strategy++)
    for (guint warmup = 0; warmup < 5; warmup++)
      for (guint seed = 0; seed < 7; seed++)
        {
          SyPoolStrategyState state;
          guint counter = seed;
          guint tried[MAX_MEMBERS];
          guint n_tried = 0;
          gint64 got;

          sy_pool_strategy_init (&state, strategy, 50);
          sy_pool_strategy_set_random (&state, counting_random, &counter);
          for (guint i = 0; i < warmup; i++)
            sy_pool_strategy_pick (&state, candidates, MAX_MEMBERS);

          got = sy_pool_strategy_pick (&state, candidates, MAX_MEMBERS);
          while (got >= 0)
            {
              g_assert_true (candidates[got].eligible);
              g_assert_false (contains (tried, n_tried, got));
              g_assert_cmpuint (n_tried, <, MAX_MEMBERS);
              tried[n_tried++] = got;
              got = sy_pool_strategy_pick_next (&state, candidates, MAX_MEMBERS, tried, n_tried);
            }

          /* Even the zero-weight member, once it is the last one left. */
          g_assert_cmpint (got, ==, -1);
          g_assert_cmpuint (n_tried, ==, n_eligible);
        }
}

/* Retry order follows the strategy: failover goes down the list,
 * lowest-latency takes the next fastest without moving its choice. */
static void
test_retry_order (void)
{
  SyPoolCandidate candidates[4] = {
    { 0, TRUE, 1, 0, 70 },
    { 1, TRUE, 1, 0, 20 },
    { 2, FALSE, 1, 0, 1 },
    { 3, TRUE, 1, 0, 50 },
  };
  SyPoolStrategyState state;
  guint tried[4];

  sy_pool_strategy_init (&state, SY_POOL_STRATEGY_FAILOVER, 0);
  tried[0] = sy_pool_strategy_pick (&state, candidates, 4);
  g_assert_cmpuint (tried[0], ==, 0);
  tried[1] = sy_pool_strategy_pick_next (&state, candidates, 4, tried, 1);
  g_assert_cmpuint (tried[1], ==, 1);
  tried[2] = sy_pool_strategy_pick_next (&state, candidates, 4, tried, 2);
  g_assert_cmpuint (tried[2], ==, 3);
  g_assert_cmpint (sy_pool_strategy_pick_next (&state, candidates, 4, tried, 3), ==, -1);

  sy_pool_strategy_init (&state, SY_POOL_STRATEGY_LOWEST_LATENCY, 0);
  tried[0] = sy_pool_strategy_pick (&state, candidates, 4);
  g_assert_cmpuint (tried[0], ==, 1);
  tried[1] = sy_pool_strategy_pick_next (&state, candidates, 4, tried, 1);
  g_assert_cmpuint (tried[1], ==, 3);
  tried[2] = sy_pool_strategy_pick_next (&state, candidates, 4, tried, 2);
  g_assert_cmpuint (tried[2], ==, 0);
  g_assert_cmpint (state.current, ==, 1);

  /* Round-robin retries continue the rotation. */
  sy_pool_strategy_init (&state, SY_POOL_STRATEGY_ROUND_ROBIN, 0);
  g_assert_cmpint (sy_pool_strategy_pick (&state, candidates, 4), ==, 0);
  tried[0] = sy_pool_strategy_pick (&state, candidates, 4);
  g_assert_cmpuint (tried[0], ==, 1);
  tried[1] = sy_pool_strategy_pick_next (&state, candidates, 4, tried, 1);
  g_assert_cmpuint (tried[1], ==, 3);
  tried[2] = sy_pool_strategy_pick_next (&state, candidates, 4, tried, 2);
  g_assert_cmpuint (tried[2], ==, 0);
  g_assert_cmpint (sy_pool_strategy_pick (&state, candidates, 4), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (pick_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/core/pool-strategy/pick/%s", pick_cases[i].name);

      g_test_add_data_func (path, &pick_cases[i], test_pick_table);
    }
  g_test_add_func ("/core/pool-strategy/weighted-distribution", test_weighted_distribution);
  g_test_add_func ("/core/pool-strategy/weighted-default-random", test_weighted_default_random);
  g_test_add_func ("/core/pool-strategy/lowest-latency-hysteresis", test_lowest_latency_hysteresis);
  g_test_add_func ("/core/pool-strategy/lowest-latency-zero-tolerance", test_lowest_latency_zero_tolerance);
  g_test_add_func ("/core/pool-strategy/retries-never-revisit", test_retries_never_revisit);
  g_test_add_func ("/core/pool-strategy/retry-order", test_retry_order);

  return g_test_run ();
}
