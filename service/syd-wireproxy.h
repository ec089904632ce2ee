/* syd-wireproxy.h — the proxy stack a wireproxy configuration describes
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `switchyardd -c wireproxy.conf` runs this instead of the D-Bus service:
 * one WireGuard outbound built from [Interface] and [Peer], and every
 * routine section on top of it — [Socks5] and [http] as our mixed
 * inbound, the tunnels as the tunnel inbounds, [SNI] by server name —
 * all routed through the tunnel, plus CheckAlive. Host names are resolved
 * as the outbound resolves them (the tunnel's DNS= servers, else the
 * system), with the answers ordered by [Resolve] ResolveStrategy.
 */

#pragma once

#include <gio/gio.h>

#include "engine/sy-dispatcher.h"
#include "outbound/sy-wireguard-outbound.h"
#include "wireguard/sy-wireproxy-config.h"
#include "syd-check-alive.h"

G_BEGIN_DECLS

#define SYD_TYPE_WIREPROXY (syd_wireproxy_get_type ())

G_DECLARE_FINAL_TYPE (SydWireproxy, syd_wireproxy, SYD, WIREPROXY, GObject)

/* Builds everything without opening a socket: keys, the tunnel, TLS
 * certificates (so `switchyardd -n` finds a bad CertFile). Takes
 * @config. */
SydWireproxy        *syd_wireproxy_new             (SyWireproxyConfig  *config,
                                                    GError            **error);
/* Test builds only shorten WireGuard's timers; see switchyardd.c. */
void                 syd_wireproxy_set_timings     (SydWireproxy       *self,
                                                    const SyWgTimings  *timings);
/* Starts the tunnel, binds every listener and starts the routines and
 * CheckAlive. All or nothing: on failure whatever started is stopped. */
gboolean             syd_wireproxy_start           (SydWireproxy       *self,
                                                    GError            **error);
void                 syd_wireproxy_stop            (SydWireproxy       *self);

const SyWireproxyConfig *syd_wireproxy_get_config  (SydWireproxy       *self);
/* The label of the tunnel in logs and /metrics: the file name without
 * its extension. */
const char          *syd_wireproxy_get_name        (SydWireproxy       *self);
SyDispatcher        *syd_wireproxy_get_dispatcher  (SydWireproxy       *self);
SyWireguardOutbound *syd_wireproxy_get_outbound    (SydWireproxy       *self);
/* NULL without CheckAlive. */
SydCheckAlive       *syd_wireproxy_get_check_alive (SydWireproxy       *self);

G_END_DECLS
