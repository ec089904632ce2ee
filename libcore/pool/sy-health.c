/* sy-health.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-pool"

#include <string.h>

#include "sy-health.h"

static guint
fail_threshold (const SyHealth *self)
{
  return MAX (self->params.fail_threshold, 1);
}

static guint
recover_threshold (const SyHealth *self)
{
  return MAX (self->params.recover_threshold, 1);
}

static void
forget_failures (SyHealth *self)
{
  self->n_failures = 0;
}

/* Drops failures that left the window: one at @t is counted while now - t < window. */
static void
prune_failures (SyHealth *self,
                gint64    now)
{
  guint keep = 0;

  while (keep < self->n_failures && now - self->failures[keep] >= self->params.fail_window_us)
    keep++;

  if (keep > 0)
    {
      memmove (self->failures, self->failures + keep,
               (self->n_failures - keep) * sizeof (gint64));
      self->n_failures -= keep;
    }
}

static void
go_down (SyHealth *self,
         gint64    now)
{
  self->state = SY_HEALTH_DOWN;
  self->successes = 0;
  self->backoff_us = self->params.backoff_initial_us;
  self->next_check_at = now + self->backoff_us;
  forget_failures (self);
}

static void
go_up (SyHealth *self,
       gint64    now)
{
  self->state = SY_HEALTH_UP;
  self->successes = 0;
  self->backoff_us = self->params.backoff_initial_us;
  self->next_check_at = now + self->params.interval_us;
  forget_failures (self);
}

SyHealth *
sy_health_new (const SyHealthParams *params,
               gboolean              enabled,
               gint64                now)
{
  SyHealth *self;

  g_return_val_if_fail (params != NULL, NULL);

  self = g_new0 (SyHealth, 1);
  self->params = *params;
  self->failures = g_new0 (gint64, fail_threshold (self));
  self->backoff_us = params->backoff_initial_us;

  if (enabled)
    {
      self->state = SY_HEALTH_UNKNOWN;
      self->next_check_at = now;
    }
  else
    {
      self->state = SY_HEALTH_DISABLED;
      self->next_check_at = SY_HEALTH_NEVER;
    }

  return self;
}

void
sy_health_free (SyHealth *self)
{
  if (self == NULL)
    return;

  g_free (self->failures);
  g_free (self);
}

void
sy_health_set_params (SyHealth             *self,
                      const SyHealthParams *params,
                      gint64                now)
{
  guint old_threshold;
  guint threshold;

  g_return_if_fail (self != NULL);
  g_return_if_fail (params != NULL);

  old_threshold = fail_threshold (self);
  self->params = *params;
  threshold = fail_threshold (self);

  /* Keep the newest failures that still fit. */
  if (self->n_failures > threshold)
    {
      memmove (self->failures, self->failures + (self->n_failures - threshold),
               threshold * sizeof (gint64));
      self->n_failures = threshold;
    }
  if (threshold != old_threshold)
    self->failures = g_renew (gint64, self->failures, threshold);

  switch (self->state)
    {
    case SY_HEALTH_UNKNOWN:
    case SY_HEALTH_UP:
      /* A shorter interval applies at once, a longer one from the next check. */
      self->next_check_at = MIN (self->next_check_at, now + params->interval_us);
      break;

    case SY_HEALTH_DOWN:
      self->backoff_us = CLAMP (self->backoff_us, params->backoff_initial_us, params->backoff_max_us);
      self->next_check_at = MIN (self->next_check_at, now + self->backoff_us);
      break;

    case SY_HEALTH_DISABLED:
    default:
      break;
    }
}

SyHealthState
sy_health_get_state (const SyHealth *self)
{
  g_return_val_if_fail (self != NULL, SY_HEALTH_UNKNOWN);

  return self->state;
}

gboolean
sy_health_is_eligible (const SyHealth *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->state == SY_HEALTH_UNKNOWN || self->state == SY_HEALTH_UP;
}

guint
sy_health_get_failures (const SyHealth *self,
                        gint64          now)
{
  guint count = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (guint i = 0; i < self->n_failures; i++)
    if (now - self->failures[i] < self->params.fail_window_us)
      count++;

  return count;
}

gint64
sy_health_get_next_check_at (const SyHealth *self)
{
  g_return_val_if_fail (self != NULL, SY_HEALTH_NEVER);

  return self->next_check_at;
}

gboolean
sy_health_is_check_due (const SyHealth *self,
                        gint64          now)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->state != SY_HEALTH_DISABLED && self->next_check_at <= now;
}

gboolean
sy_health_record_success (SyHealth *self,
                          gboolean  active,
                          gint64    now)
{
  g_return_val_if_fail (self != NULL, FALSE);

  switch (self->state)
    {
    case SY_HEALTH_UNKNOWN:
      go_up (self, now);
      return TRUE;

    case SY_HEALTH_UP:
      forget_failures (self);
      if (active)
        self->next_check_at = now + self->params.interval_us;
      return FALSE;

    case SY_HEALTH_DOWN:
      self->successes++;
      if (self->successes >= recover_threshold (self))
        {
          go_up (self, now);
          return TRUE;
        }
      if (active)
        {
          /* It answers again: confirm soon rather than after a long back-off. */
          self->backoff_us = self->params.backoff_initial_us;
          self->next_check_at = now + self->backoff_us;
        }
      return FALSE;

    case SY_HEALTH_DISABLED:
    default:
      return FALSE;
    }
}

gboolean
sy_health_record_failure (SyHealth *self,
                          gboolean  active,
                          gint64    now)
{
  guint threshold;

  g_return_val_if_fail (self != NULL, FALSE);

  threshold = fail_threshold (self);

  switch (self->state)
    {
    case SY_HEALTH_UNKNOWN:
    case SY_HEALTH_UP:
      prune_failures (self, now);
      if (self->n_failures == threshold)
        {
          memmove (self->failures, self->failures + 1, (threshold - 1) * sizeof (gint64));
          self->n_failures--;
        }
      self->failures[self->n_failures++] = now;

      if (self->n_failures >= threshold)
        {
          go_down (self, now);
          return TRUE;
        }

      /* A failed check is followed up at the back-off pace rather than
       * after the full interval: with the defaults (3 failures in 60 s,
       * checks every 60 s) failures a whole interval apart would never
       * add up inside the window. */
      if (active)
        self->next_check_at = now + MIN (self->params.interval_us,
                                         self->params.backoff_initial_us);
      return FALSE;

    case SY_HEALTH_DOWN:
      self->successes = 0;
      if (active)
        {
          self->backoff_us = MIN (self->backoff_us * 2, self->params.backoff_max_us);
          self->next_check_at = now + self->backoff_us;
        }
      return FALSE;

    case SY_HEALTH_DISABLED:
    default:
      return FALSE;
    }
}

gboolean
sy_health_set_enabled (SyHealth *self,
                       gboolean  enabled,
                       gint64    now)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!enabled)
    {
      if (self->state == SY_HEALTH_DISABLED)
        return FALSE;

      self->state = SY_HEALTH_DISABLED;
      self->successes = 0;
      self->next_check_at = SY_HEALTH_NEVER;
      forget_failures (self);
      return TRUE;
    }

  if (self->state != SY_HEALTH_DISABLED)
    return FALSE;

  /* What we knew before it was switched off may be stale: start over. */
  self->state = SY_HEALTH_UNKNOWN;
  self->successes = 0;
  self->backoff_us = self->params.backoff_initial_us;
  self->next_check_at = now;
  forget_failures (self);
  return TRUE;
}

void
sy_health_params_from_config (SyHealthParams            *params,
                              const SyHealthCheckConfig *config,
                              gint64                     unit_us)
{
  g_return_if_fail (params != NULL);
  g_return_if_fail (config != NULL);
  g_return_if_fail (unit_us > 0);

  /* Zero intervals would make the scheduler spin: one unit at least. */
  params->fail_threshold = MAX (config->fail_threshold, 1);
  params->fail_window_us = MAX (config->fail_window_s, 1) * unit_us;
  params->recover_threshold = MAX (config->recover_threshold, 1);
  params->interval_us = MAX (config->interval_s, 1) * unit_us;
  params->backoff_initial_us = MAX (config->backoff_initial_s, 1) * unit_us;
  params->backoff_max_us = MAX (params->backoff_initial_us,
                                (gint64) config->backoff_max_s * unit_us);
}
