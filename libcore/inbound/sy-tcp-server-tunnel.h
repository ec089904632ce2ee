/* sy-tcp-server-tunnel.h — a port inside the tunnel forwarded to a target on this side
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * wireproxy's [TCPServerTunnel]: every connection a WireGuard peer makes
 * to ListenPort on our tunnel address becomes a session to Target, dialed
 * through an outbound of this side (normally "direct") and relayed. Where
 * the connections come from is an SyAcceptSource: sy_accept_source_new_netstack()
 * in production, anything else in tests.
 */

#pragma once

#include <gio/gio.h>

#include "engine/sy-dispatcher.h"
#include "inbound/sy-accept-source.h"

G_BEGIN_DECLS

#define SY_TYPE_TCP_SERVER_TUNNEL (sy_tcp_server_tunnel_get_type ())

G_DECLARE_FINAL_TYPE (SyTcpServerTunnel, sy_tcp_server_tunnel, SY, TCP_SERVER_TUNNEL, GObject)

/* Takes ownership of @source. @outbound: registered with @dispatcher,
 * looked up at each dial (%NULL: "direct"). */
SyTcpServerTunnel *sy_tcp_server_tunnel_new      (SyDispatcher       *dispatcher,
                                                  const char         *name,
                                                  SyAcceptSource     *source,
                                                  const char         *target_host,
                                                  guint16             target_port,
                                                  const char         *outbound);
const char        *sy_tcp_server_tunnel_get_name (SyTcpServerTunnel  *self);
/* Starts the accept source (e.g. listens inside the tunnel). */
gboolean           sy_tcp_server_tunnel_start    (SyTcpServerTunnel  *self,
                                                  GError            **error);
/* Stops accepting; sessions already accepted are left to the dispatcher. */
void               sy_tcp_server_tunnel_stop     (SyTcpServerTunnel  *self);

G_END_DECLS
