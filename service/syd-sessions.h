/* syd-sessions.h — dev.switchyard.Sessions1 over the engine's dispatcher
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "syd-daemon.h"

G_BEGIN_DECLS

#define SYD_TYPE_SESSIONS (syd_sessions_get_type ())

G_DECLARE_FINAL_TYPE (SydSessions, syd_sessions, SYD, SESSIONS, SydSessions1Skeleton)

SydSessions *syd_sessions_new (SyEngine *engine);

G_END_DECLS
