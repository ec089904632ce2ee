/* syapp-traffic-history.c — the last minutes of traffic rates, per second
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The service sends a Traffic sample once a second while bytes move, then
 * one all-quiet sample, then nothing while idle. So a second without a
 * sample is a second without traffic, and the history is a ring with one
 * slot per second of wall-clock time: a slot remembers which second it
 * holds, and a slot left over from an earlier lap reads as zero. Adding and
 * reading are O(1) and nothing is allocated after creation.
 */

#include "config.h"

#include <string.h>

#include "syapp-traffic-history.h"

typedef struct
{
  gint64  second;     /* unix time in seconds this slot holds; 0 empty */
  guint64 up;
  guint64 down;
} Slot;

struct _SyAppTrafficHistory
{
  Slot slots[SYAPP_TRAFFIC_HISTORY_SECONDS];
};

SyAppTrafficHistory *
syapp_traffic_history_new (void)
{
  return g_new0 (SyAppTrafficHistory, 1);
}

void
syapp_traffic_history_free (SyAppTrafficHistory *self)
{
  g_free (self);
}

void
syapp_traffic_history_clear (SyAppTrafficHistory *self)
{
  g_return_if_fail (self != NULL);

  memset (self->slots, 0, sizeof self->slots);
}

static Slot *
slot_for (const SyAppTrafficHistory *self,
          gint64                     second)
{
  gint64 index = second % SYAPP_TRAFFIC_HISTORY_SECONDS;

  if (index < 0)
    index += SYAPP_TRAFFIC_HISTORY_SECONDS;
  return (Slot *) &self->slots[index];
}

/* Two samples in the same second (the service's timer is not aligned to
 * our clock) keep the larger rate: the graph shows peaks, not averages. */
void
syapp_traffic_history_add (SyAppTrafficHistory *self,
                           gint64               timestamp_usec,
                           guint64              rate_up,
                           guint64              rate_down)
{
  gint64 second;
  Slot *slot;

  g_return_if_fail (self != NULL);

  if (timestamp_usec <= 0)
    return;

  second = timestamp_usec / G_USEC_PER_SEC;
  slot = slot_for (self, second);
  if (slot->second != second)
    {
      slot->second = second;
      slot->up = rate_up;
      slot->down = rate_down;
      return;
    }

  slot->up = MAX (slot->up, rate_up);
  slot->down = MAX (slot->down, rate_down);
}

/* Returns FALSE (and zeros) for a second without a sample. */
gboolean
syapp_traffic_history_get (const SyAppTrafficHistory *self,
                           gint64                     second,
                           guint64                   *rate_up,
                           guint64                   *rate_down)
{
  const Slot *slot;

  g_return_val_if_fail (self != NULL, FALSE);

  slot = slot_for (self, second);
  if (slot->second != second || second <= 0)
    {
      *rate_up = 0;
      *rate_down = 0;
      return FALSE;
    }

  *rate_up = slot->up;
  *rate_down = slot->down;
  return TRUE;
}

/* The highest rate either way in [from_second, to_second]. */
guint64
syapp_traffic_history_peak (const SyAppTrafficHistory *self,
                            gint64                     from_second,
                            gint64                     to_second)
{
  guint64 peak = 0;

  g_return_val_if_fail (self != NULL, 0);

  from_second = MAX (from_second, to_second - SYAPP_TRAFFIC_HISTORY_SECONDS + 1);
  for (gint64 second = from_second; second <= to_second; second++)
    {
      guint64 up, down;

      if (syapp_traffic_history_get (self, second, &up, &down))
        peak = MAX (peak, MAX (up, down));
    }

  return peak;
}
