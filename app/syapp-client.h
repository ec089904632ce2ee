/* syapp-client.h — the app's connection to switchyardd on the session bus
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "syd-dbus-generated.h"

G_BEGIN_DECLS

/**
 * SyAppServiceStatus:
 * @SYAPP_SERVICE_CONNECTING: reaching the bus, or the service is being
 *   started by D-Bus activation
 * @SYAPP_SERVICE_READY: the service owns its name; the proxies work
 * @SYAPP_SERVICE_STOPPED: the service was there and went away (it crashed,
 *   was stopped or restarted), or nobody started it yet
 * @SYAPP_SERVICE_MISSING: D-Bus knows no way to start the service (it is
 *   not installed)
 * @SYAPP_SERVICE_FAILED: starting the service, or reaching the session bus,
 *   failed; see syapp_client_get_status_message()
 *
 * Whether the app can talk to switchyardd. This is not the state of the
 * proxy stack inside it (#SydDaemon1:state), which only means something
 * while the status is %SYAPP_SERVICE_READY.
 */
typedef enum
{
  SYAPP_SERVICE_CONNECTING,
  SYAPP_SERVICE_READY,
  SYAPP_SERVICE_STOPPED,
  SYAPP_SERVICE_MISSING,
  SYAPP_SERVICE_FAILED,
} SyAppServiceStatus;

#define SYAPP_TYPE_SERVICE_STATUS (syapp_service_status_get_type ())
GType syapp_service_status_get_type (void) G_GNUC_CONST;

#define SYAPP_TYPE_CLIENT (syapp_client_get_type ())

G_DECLARE_FINAL_TYPE (SyAppClient, syapp_client, SYAPP, CLIENT, GObject)

SyAppClient        *syapp_client_new                (void);
void                syapp_client_start_service      (SyAppClient  *self);
SyAppServiceStatus  syapp_client_get_status         (SyAppClient  *self);
const char         *syapp_client_get_status_message (SyAppClient  *self);
guint               syapp_client_get_generation     (SyAppClient  *self);
SydDaemon1         *syapp_client_get_daemon         (SyAppClient  *self);
SydPools1          *syapp_client_get_pools          (SyAppClient  *self);
SydSessions1       *syapp_client_get_sessions       (SyAppClient  *self);
SydWireguard1      *syapp_client_get_wireguard      (SyAppClient  *self);
GCancellable       *syapp_client_get_cancellable    (SyAppClient  *self);
void                syapp_client_report_error       (SyAppClient  *self,
                                                     const char   *what,
                                                     const GError *error);

char               *syapp_error_dup_message         (const GError *error);
gboolean            syapp_error_is_cancelled        (const GError *error);

G_END_DECLS
