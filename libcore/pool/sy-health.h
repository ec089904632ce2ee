/* sy-health.h — the health state machine of one upstream, without I/O or clocks
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "pool/sy-upstream.h"

G_BEGIN_DECLS

/* "No check is due": the scheduler sleeps until something else changes. */
#define SY_HEALTH_NEVER G_MAXINT64

/**
 * SyHealthParams:
 *
 * The timing of #SyHealth in microseconds, so that the caller decides what a
 * configured "second" is (tests run the same machine on a compressed clock).
 * Zero thresholds count as one.
 */
typedef struct
{
  guint  fail_threshold;
  gint64 fail_window_us;
  guint  recover_threshold;
  gint64 interval_us;        /* between checks of an UP or UNKNOWN upstream */
  gint64 backoff_initial_us; /* first re-check after going DOWN */
  gint64 backoff_max_us;
} SyHealthParams;

/**
 * SyHealth:
 *
 * Every input carries the current monotonic time (@now, µs) and whether it is
 * the result of an active check (@active) or of a real dial (passive):
 *
 * - UNKNOWN → UP on the first success.
 * - Failures, passive or active, are kept in a sliding window of
 *   fail_window_us; fail_threshold of them inside the window → DOWN.
 * - A success while UP or UNKNOWN forgets every counted failure.
 * - While DOWN the next active re-check is due backoff_initial_us after the
 *   fall, then doubling after each failed re-check, capped at backoff_max_us.
 *   recover_threshold successes in a row bring it back UP; a success that is
 *   not yet enough resets the back-off to its initial value.
 * - Passive failures while DOWN come from dials that started before the fall;
 *   they break a run of successes but never stretch the back-off, or a burst
 *   of in-flight dials would push the next re-check to backoff_max at once.
 * - DISABLED ignores every result until it is enabled again (→ UNKNOWN,
 *   checked at once).
 *
 * Active results also move the next check: an UP or UNKNOWN upstream is
 * checked interval_us after its previous check.
 */
typedef struct
{
  SyHealthParams params;
  SyHealthState  state;
  gint64        *failures;        /* times of failures still in the window, oldest first */
  guint          n_failures;
  guint          successes;       /* in a row, while DOWN */
  gint64         backoff_us;      /* wait before the next re-check while DOWN */
  gint64         next_check_at;   /* monotonic µs, SY_HEALTH_NEVER when disabled */
} SyHealth;

SyHealth      *sy_health_new                (const SyHealthParams *params,
                                             gboolean              enabled,
                                             gint64                now);
void           sy_health_free               (SyHealth             *self);
/* Changes the thresholds and timing, keeping state and counted failures. */
void           sy_health_set_params         (SyHealth             *self,
                                             const SyHealthParams *params,
                                             gint64                now);
SyHealthState  sy_health_get_state          (const SyHealth       *self);
gboolean       sy_health_is_eligible        (const SyHealth       *self);
/* failures counted inside the window as of @now */
guint          sy_health_get_failures       (const SyHealth       *self,
                                             gint64                now);
gint64         sy_health_get_next_check_at  (const SyHealth       *self);
gboolean       sy_health_is_check_due       (const SyHealth       *self,
                                             gint64                now);

/* Each returns TRUE when the state changed. */
gboolean       sy_health_record_success     (SyHealth             *self,
                                             gboolean              active,
                                             gint64                now);
gboolean       sy_health_record_failure     (SyHealth             *self,
                                             gboolean              active,
                                             gint64                now);
gboolean       sy_health_set_enabled        (SyHealth             *self,
                                             gboolean              enabled,
                                             gint64                now);

/* Builds params from the configuration; @unit_us is the length of one
 * configured second (G_USEC_PER_SEC outside tests). */
void           sy_health_params_from_config (SyHealthParams            *params,
                                             const SyHealthCheckConfig *config,
                                             gint64                     unit_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyHealth, sy_health_free)

G_END_DECLS
