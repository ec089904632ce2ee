/* syapp-session-model.h — live sessions and the finished-connection log
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "syapp-session.h"

G_BEGIN_DECLS

#define SYAPP_TYPE_SESSION_MODEL (syapp_session_model_get_type ())

G_DECLARE_FINAL_TYPE (SyAppSessionModel, syapp_session_model, SYAPP, SESSION_MODEL, GObject)

SyAppSessionModel *syapp_session_model_new                (void);
GListModel        *syapp_session_model_get_live           (SyAppSessionModel *self);
GListModel        *syapp_session_model_get_finished       (SyAppSessionModel *self);
SyAppSession      *syapp_session_model_lookup             (SyAppSessionModel *self,
                                                           guint64            id);
void               syapp_session_model_reset_live         (SyAppSessionModel *self,
                                                           GVariant          *sessions);
void               syapp_session_model_reset_finished     (SyAppSessionModel *self,
                                                           GVariant          *sessions);
void               syapp_session_model_apply              (SyAppSessionModel *self,
                                                           GVariant          *changed,
                                                           GVariant          *removed);
void               syapp_session_model_clear_live         (SyAppSessionModel *self);
void               syapp_session_model_tick               (SyAppSessionModel *self,
                                                           gint64             now_usec);
void               syapp_session_model_set_finished_limit (SyAppSessionModel *self,
                                                           guint              limit);

G_END_DECLS
