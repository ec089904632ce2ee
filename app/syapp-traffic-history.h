/* syapp-traffic-history.h — the last minutes of traffic rates, per second
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest span the graph may show (the traffic-minutes setting). */
#define SYAPP_TRAFFIC_HISTORY_SECONDS (30 * 60)

typedef struct _SyAppTrafficHistory SyAppTrafficHistory;

SyAppTrafficHistory *syapp_traffic_history_new    (void);
void                 syapp_traffic_history_free   (SyAppTrafficHistory *self);
void                 syapp_traffic_history_add    (SyAppTrafficHistory *self,
                                                   gint64               timestamp_usec,
                                                   guint64              rate_up,
                                                   guint64              rate_down);
void                 syapp_traffic_history_clear  (SyAppTrafficHistory *self);
gboolean             syapp_traffic_history_get    (const SyAppTrafficHistory *self,
                                                   gint64               second,
                                                   guint64             *rate_up,
                                                   guint64             *rate_down);
guint64              syapp_traffic_history_peak   (const SyAppTrafficHistory *self,
                                                   gint64               from_second,
                                                   gint64               to_second);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyAppTrafficHistory, syapp_traffic_history_free)

G_END_DECLS
