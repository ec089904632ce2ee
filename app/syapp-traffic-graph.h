/* syapp-traffic-graph.h — a live graph of upload and download rates
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "syapp-traffic-history.h"

G_BEGIN_DECLS

#define SYAPP_TYPE_TRAFFIC_GRAPH (syapp_traffic_graph_get_type ())

G_DECLARE_FINAL_TYPE (SyAppTrafficGraph, syapp_traffic_graph, SYAPP, TRAFFIC_GRAPH, GtkWidget)

void  syapp_traffic_graph_set_history (SyAppTrafficGraph         *self,
                                       const SyAppTrafficHistory *history);
void  syapp_traffic_graph_changed     (SyAppTrafficGraph         *self);
guint syapp_traffic_graph_get_span    (SyAppTrafficGraph         *self);
void  syapp_traffic_graph_set_span    (SyAppTrafficGraph         *self,
                                       guint                      minutes);

G_END_DECLS
