/* syapp-session.h — one proxied connection, as the service reports it
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define SYAPP_TYPE_SESSION (syapp_session_get_type ())

G_DECLARE_FINAL_TYPE (SyAppSession, syapp_session, SYAPP, SESSION, GObject)

SyAppSession *syapp_session_new            (GVariant     *dict);
void          syapp_session_update         (SyAppSession *self,
                                            GVariant     *dict);
void          syapp_session_tick           (SyAppSession *self,
                                            gint64        now_usec);
guint64       syapp_session_get_id         (SyAppSession *self);
const char   *syapp_session_get_target     (SyAppSession *self);
const char   *syapp_session_get_route      (SyAppSession *self);
const char   *syapp_session_get_state      (SyAppSession *self);
const char   *syapp_session_get_error      (SyAppSession *self);
guint64       syapp_session_get_bytes_up   (SyAppSession *self);
guint64       syapp_session_get_bytes_down (SyAppSession *self);
gint64        syapp_session_get_duration   (SyAppSession *self);
gboolean      syapp_session_is_finished    (SyAppSession *self);
gboolean      syapp_session_matches        (SyAppSession *self,
                                            const char   *casefolded_needle);

G_END_DECLS
