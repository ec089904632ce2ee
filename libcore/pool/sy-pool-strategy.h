/* sy-pool-strategy.h — which upstream of a pool carries the next dial
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "config/sy-config.h"

G_BEGIN_DECLS

/* A snapshot of one pool member, taken just before a pick. */
typedef struct
{
  guint    index;       /* position in the pool: priority order, unique */
  gboolean eligible;    /* UP or UNKNOWN, and enabled */
  guint    weight;      /* weighted-random share */
  guint    active;      /* sessions it carries now */
  gint64   latency_ms;  /* < 0: unknown */
} SyPoolCandidate;

/* Returns a uniformly distributed number in [0, @bound); @bound ≥ 1. */
typedef guint32 (*SyPoolRandomFunc) (guint32  bound,
                                     gpointer user_data);

/**
 * SyPoolStrategyState:
 *
 * What a strategy remembers between picks. Candidate indices, not array
 * positions, are remembered, so a snapshot may leave members out.
 */
typedef struct
{
  SyPoolStrategy   strategy;
  guint            tolerance_ms;
  guint            cursor;          /* round-robin: index to start the next search from */
  gint64           current;         /* lowest-latency: index of the current choice, -1 none */
  SyPoolRandomFunc random;
  gpointer         random_data;
} SyPoolStrategyState;

void    sy_pool_strategy_init       (SyPoolStrategyState   *state,
                                     SyPoolStrategy         strategy,
                                     guint                  tolerance_ms);
/* NULL restores g_random_int_range(). */
void    sy_pool_strategy_set_random (SyPoolStrategyState   *state,
                                     SyPoolRandomFunc       random,
                                     gpointer               user_data);
/* Forgets the cursor and the current choice (members were reordered). */
void    sy_pool_strategy_reset      (SyPoolStrategyState   *state);

/* Picks among the eligible @candidates (sorted by index) and returns the
 * chosen index, or -1 when none is eligible. */
gint64  sy_pool_strategy_pick       (SyPoolStrategyState   *state,
                                     const SyPoolCandidate *candidates,
                                     guint                  n_candidates);
/* The same, for a retry: members whose index is in @tried are skipped.
 * Lowest-latency then takes the fastest untried member without moving its
 * current choice; the others advance as for a first pick. */
gint64  sy_pool_strategy_pick_next  (SyPoolStrategyState   *state,
                                     const SyPoolCandidate *candidates,
                                     guint                  n_candidates,
                                     const guint           *tried,
                                     guint                  n_tried);

G_END_DECLS
