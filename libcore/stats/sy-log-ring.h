/* sy-log-ring.h — the last N log messages, for D-Bus subscribers and the app
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64         serial;       /* increases by one per message */
  gint64          timestamp;    /* g_get_real_time () */
  GLogLevelFlags  level;
  char           *domain;
  char           *message;
} SyLogEntry;

typedef struct _SyLogRing SyLogRing;

SyLogRing        *sy_log_ring_new            (guint             capacity);
void              sy_log_ring_free           (SyLogRing        *self);
void              sy_log_ring_set_capacity   (SyLogRing        *self,
                                              guint             capacity);
const SyLogEntry *sy_log_ring_push           (SyLogRing        *self,
                                              GLogLevelFlags    level,
                                              const char       *domain,
                                              const char       *message);
/* entries with serial > @after, oldest first, at most @limit (0: all); transfer container */
GPtrArray        *sy_log_ring_get_since      (SyLogRing        *self,
                                              guint64           after,
                                              guint             limit);
const char       *sy_log_level_to_string     (GLogLevelFlags    level);
gboolean          sy_log_level_from_string   (const char       *text,
                                              GLogLevelFlags   *level);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyLogRing, sy_log_ring_free)

G_END_DECLS
