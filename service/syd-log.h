/* syd-log.h — the service's log: stderr/journal, a ring for GetLog(), the Log signal
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "stats/sy-log-ring.h"

G_BEGIN_DECLS

typedef void (*SydLogEmitFunc) (const SyLogEntry *entry,
                                gpointer          user_data);

void      syd_log_init          (gboolean        verbose,
                                 guint           capacity);
void      syd_log_set_capacity  (guint           capacity);
/* a(txsss): entries with serial > @after, oldest first, the newest @limit (0: all) */
GVariant *syd_log_get_entries   (guint64         after,
                                 guint           limit);
/* Called from the main loop, never from inside the log writer. */
void      syd_log_set_emitter   (SydLogEmitFunc  func,
                                 gpointer        user_data);

G_END_DECLS
