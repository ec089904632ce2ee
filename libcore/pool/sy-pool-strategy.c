/* sy-pool-strategy.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-pool"

#include "sy-pool-strategy.h"

static guint32
default_random (guint32  bound,
                gpointer user_data)
{
  if (bound <= 1)
    return 0;
  return (guint32) g_random_int_range (0, (gint32) MIN (bound, (guint32) G_MAXINT32));
}

void
sy_pool_strategy_init (SyPoolStrategyState *state,
                       SyPoolStrategy       strategy,
                       guint                tolerance_ms)
{
  g_return_if_fail (state != NULL);

  state->strategy = strategy;
  state->tolerance_ms = tolerance_ms;
  state->random = default_random;
  state->random_data = NULL;
  sy_pool_strategy_reset (state);
}

void
sy_pool_strategy_set_random (SyPoolStrategyState *state,
                             SyPoolRandomFunc     random,
                             gpointer             user_data)
{
  g_return_if_fail (state != NULL);

  state->random = random != NULL ? random : default_random;
  state->random_data = random != NULL ? user_data : NULL;
}

void
sy_pool_strategy_reset (SyPoolStrategyState *state)
{
  g_return_if_fail (state != NULL);

  state->cursor = 0;
  state->current = -1;
}

static gboolean
was_tried (guint        index,
           const guint *tried,
           guint        n_tried)
{
  for (guint i = 0; i < n_tried; i++)
    if (tried[i] == index)
      return TRUE;
  return FALSE;
}

static gboolean
usable (const SyPoolCandidate *candidate,
        const guint           *tried,
        guint                  n_tried)
{
  return candidate->eligible && !was_tried (candidate->index, tried, n_tried);
}

/* The first usable member at or after the cursor, wrapping around; among
 * members with @max_active or fewer sessions when @max_active is not G_MAXUINT. */
static gint64
pick_rotating (SyPoolStrategyState   *state,
               const SyPoolCandidate *candidates,
               guint                  n_candidates,
               const guint           *tried,
               guint                  n_tried,
               guint                  max_active)
{
  gint first = -1;
  gint after = -1;
  gint chosen;

  for (guint i = 0; i < n_candidates; i++)
    {
      const SyPoolCandidate *c = &candidates[i];

      if (!usable (c, tried, n_tried) || c->active > max_active)
        continue;
      if (first < 0)
        first = i;
      if (after < 0 && c->index >= state->cursor)
        after = i;
    }

  chosen = after >= 0 ? after : first;
  if (chosen < 0)
    return -1;

  state->cursor = candidates[chosen].index + 1;
  return candidates[chosen].index;
}

static gint64
pick_least_connections (SyPoolStrategyState   *state,
                        const SyPoolCandidate *candidates,
                        guint                  n_candidates,
                        const guint           *tried,
                        guint                  n_tried)
{
  guint fewest = G_MAXUINT;

  for (guint i = 0; i < n_candidates; i++)
    if (usable (&candidates[i], tried, n_tried))
      fewest = MIN (fewest, candidates[i].active);

  if (fewest == G_MAXUINT)
    return -1;

  /* Ties rotate, so that idle members share new sessions evenly instead of
   * the first one taking every short-lived connection. */
  return pick_rotating (state, candidates, n_candidates, tried, n_tried, fewest);
}

static gint64
pick_weighted_random (SyPoolStrategyState   *state,
                      const SyPoolCandidate *candidates,
                      guint                  n_candidates,
                      const guint           *tried,
                      guint                  n_tried)
{
  guint64 total = 0;
  guint n_usable = 0;
  gboolean uniform;
  guint32 r;

  for (guint i = 0; i < n_candidates; i++)
    if (usable (&candidates[i], tried, n_tried))
      {
        total += candidates[i].weight;
        n_usable++;
      }

  if (n_usable == 0)
    return -1;

  /* All weights zero: no member is preferred, share evenly. */
  uniform = (total == 0);
  if (uniform)
    total = n_usable;

  r = state->random ((guint32) MIN (total, G_MAXUINT32), state->random_data);

  for (guint i = 0; i < n_candidates; i++)
    {
      guint weight;

      if (!usable (&candidates[i], tried, n_tried))
        continue;

      weight = uniform ? 1 : candidates[i].weight;
      if (r < weight)
        return candidates[i].index;
      r -= weight;
    }

  /* Only reachable when the total was clamped to 32 bits. */
  for (guint i = n_candidates; i > 0; i--)
    if (usable (&candidates[i - 1], tried, n_tried))
      return candidates[i - 1].index;

  g_assert_not_reached ();
  return -1;
}

static gint64
pick_failover (const SyPoolCandidate *candidates,
               guint                  n_candidates,
               const guint           *tried,
               guint                  n_tried)
{
  for (guint i = 0; i < n_candidates; i++)
    if (usable (&candidates[i], tried, n_tried))
      return candidates[i].index;

  return -1;
}

/* Known latency ranks before unknown; equal latencies keep pool order. */
static gboolean
faster (const SyPoolCandidate *a,
        const SyPoolCandidate *b)
{
  if (a->latency_ms < 0)
    return FALSE;
  if (b->latency_ms < 0)
    return TRUE;
  return a->latency_ms < b->latency_ms;
}

static gint64
pick_lowest_latency (SyPoolStrategyState   *state,
                     const SyPoolCandidate *candidates,
                     guint                  n_candidates,
                     const guint           *tried,
                     guint                  n_tried)
{
  const SyPoolCandidate *best = NULL;
  const SyPoolCandidate *current = NULL;
  const SyPoolCandidate *chosen;

  for (guint i = 0; i < n_candidates; i++)
    {
      const SyPoolCandidate *c = &candidates[i];

      if (!usable (c, tried, n_tried))
        continue;
      if (best == NULL || faster (c, best))
        best = c;
      if (state->current >= 0 && c->index == (guint) state->current)
        current = c;
    }

  if (best == NULL)
    return -1;

  /* A retry takes the fastest one left and leaves the choice alone: the
   * failure that caused it is already counted against the current member. */
  if (n_tried > 0)
    return best->index;

  chosen = best;
  if (current != NULL)
    {
      if (current->latency_ms >= 0)
        {
          /* Hysteresis: switching on every small difference would move all
           * new sessions back and forth as the samples jitter. */
          if (best->latency_ms < 0 || current->latency_ms - best->latency_ms <= (gint64) state->tolerance_ms)
            chosen = current;
        }
      else if (best->latency_ms < 0)
        {
          chosen = current;
        }
    }

  state->current = chosen->index;
  return chosen->index;
}

static gint64
pick (SyPoolStrategyState   *state,
      const SyPoolCandidate *candidates,
      guint                  n_candidates,
      const guint           *tried,
      guint                  n_tried)
{
  switch (state->strategy)
    {
    case SY_POOL_STRATEGY_ROUND_ROBIN:
      return pick_rotating (state, candidates, n_candidates, tried, n_tried, G_MAXUINT);
    case SY_POOL_STRATEGY_WEIGHTED_RANDOM:
      return pick_weighted_random (state, candidates, n_candidates, tried, n_tried);
    case SY_POOL_STRATEGY_FAILOVER:
      return pick_failover (candidates, n_candidates, tried, n_tried);
    case SY_POOL_STRATEGY_LEAST_CONNECTIONS:
      return pick_least_connections (state, candidates, n_candidates, tried, n_tried);
    case SY_POOL_STRATEGY_LOWEST_LATENCY:
      return pick_lowest_latency (state, candidates, n_candidates, tried, n_tried);
    default:
      g_return_val_if_reached (pick_failover (candidates, n_candidates, tried, n_tried));
    }
}

gint64
sy_pool_strategy_pick (SyPoolStrategyState   *state,
                       const SyPoolCandidate *candidates,
                       guint                  n_candidates)
{
  g_return_val_if_fail (state != NULL, -1);
  g_return_val_if_fail (candidates != NULL || n_candidates == 0, -1);

  return pick (state, candidates, n_candidates, NULL, 0);
}

gint64
sy_pool_strategy_pick_next (SyPoolStrategyState   *state,
                            const SyPoolCandidate *candidates,
                            guint                  n_candidates,
                            const guint           *tried,
                            guint                  n_tried)
{
  g_return_val_if_fail (state != NULL, -1);
  g_return_val_if_fail (candidates != NULL || n_candidates == 0, -1);
  g_return_val_if_fail (tried != NULL || n_tried == 0, -1);

  return pick (state, candidates, n_candidates, tried, n_tried);
}
