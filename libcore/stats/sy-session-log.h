/* sy-session-log.h — bounded ring of finished sessions (the connection log)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "session/sy-session.h"

G_BEGIN_DECLS

typedef struct _SySessionLog SySessionLog;

SySessionLog *sy_session_log_new          (guint          capacity);
void          sy_session_log_free         (SySessionLog  *self);
void          sy_session_log_set_capacity (SySessionLog  *self,
                                           guint          capacity);
void          sy_session_log_append       (SySessionLog  *self,
                                           SySession     *session);
/* oldest first, at most @limit newest (0: all); transfer container, SySession* full refs */
GPtrArray    *sy_session_log_get          (SySessionLog  *self,
                                           guint          limit);
guint         sy_session_log_get_length   (SySessionLog  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SySessionLog, sy_session_log_free)

G_END_DECLS
