/* syapp-log-entry.h — one message of the service's log
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define SYAPP_TYPE_LOG_ENTRY (syapp_log_entry_get_type ())

G_DECLARE_FINAL_TYPE (SyAppLogEntry, syapp_log_entry, SYAPP, LOG_ENTRY, GObject)

SyAppLogEntry *syapp_log_entry_new         (guint64        serial,
                                            gint64         time,
                                            const char    *level,
                                            const char    *domain,
                                            const char    *message);
guint64        syapp_log_entry_get_serial  (SyAppLogEntry *self);
gint64         syapp_log_entry_get_time    (SyAppLogEntry *self);
const char    *syapp_log_entry_get_level   (SyAppLogEntry *self);
const char    *syapp_log_entry_get_domain  (SyAppLogEntry *self);
const char    *syapp_log_entry_get_message (SyAppLogEntry *self);
guint          syapp_log_entry_get_rank    (SyAppLogEntry *self);
char          *syapp_log_entry_to_string   (SyAppLogEntry *self);
gboolean       syapp_log_entry_matches     (SyAppLogEntry *self,
                                            const char    *casefolded_needle);

guint          syapp_log_level_rank        (const char    *level);

G_END_DECLS
