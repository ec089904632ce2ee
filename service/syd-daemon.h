/* syd-daemon.h — the service's main object: dev.switchyard.Daemon1 over SyEngine
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "engine/sy-engine.h"
#include "syd-dbus-generated.h"

G_BEGIN_DECLS

#define SYD_TYPE_DAEMON (syd_daemon_get_type ())

G_DECLARE_FINAL_TYPE (SydDaemon, syd_daemon, SYD, DAEMON, SydDaemon1Skeleton)

/* Owns @engine's configuration on disk in @config_dir: saves it whenever a
 * D-Bus method changes it, re-reads it on Reload() and SIGHUP. Also owns
 * the Pools1, Sessions1 and WireGuard1 objects, exported beside it. */
SydDaemon  *syd_daemon_new               (SyEngine         *engine,
                                          const char       *config_dir);
SyEngine   *syd_daemon_get_engine        (SydDaemon        *self);
const char *syd_daemon_get_config_dir    (SydDaemon        *self);
gboolean    syd_daemon_export            (SydDaemon        *self,
                                          GDBusConnection  *connection,
                                          GError          **error);
void        syd_daemon_unexport          (SydDaemon        *self);
/* Re-reads the configuration directory; on error nothing changes. */
gboolean    syd_daemon_reload            (SydDaemon        *self,
                                          GError          **error);
/* After an engine edit: the error of saving it, if the save failed. */
gboolean    syd_daemon_check_saved       (SydDaemon        *self,
                                          GError          **error);

G_END_DECLS
