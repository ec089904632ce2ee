/* sy-traffic.h — global byte counters and the per-second rate sample
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 bytes_up;          /* since the service started */
  guint64 bytes_down;
  guint64 sessions_total;
  guint   sessions_active;
  guint64 sessions_failed;
} SyTraffic;

typedef struct
{
  gint64  timestamp;         /* g_get_real_time () */
  guint64 rate_up;           /* bytes per second over the last interval */
  guint64 rate_down;
  guint64 total_up;
  guint64 total_down;
  guint   active;
} SyTrafficSample;

G_END_DECLS
