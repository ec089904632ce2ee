/* sy-tcp-client-tunnel.h — a local TCP port forwarded to one target through an outbound
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * wireproxy's [TCPClientTunnel]: every connection accepted on BindAddress
 * becomes a session to Target, dialed through the outbound named at
 * creation (normally a WireGuard outbound) and relayed.
 */

#pragma once

#include <gio/gio.h>

#include "engine/sy-dispatcher.h"

G_BEGIN_DECLS

#define SY_TYPE_TCP_CLIENT_TUNNEL (sy_tcp_client_tunnel_get_type ())

G_DECLARE_FINAL_TYPE (SyTcpClientTunnel, sy_tcp_client_tunnel, SY, TCP_CLIENT_TUNNEL, GObject)

/* @name: the inbound name sessions carry. @bind_host: see
 * sy_tunnel_resolve_bind_host() ("" is every address); @bind_port 0 picks a
 * free port. @target_host: a name or an IP literal, passed to the outbound
 * unresolved. @outbound: the name of an outbound registered with
 * @dispatcher, looked up at each dial (%NULL: "direct"). */
SyTcpClientTunnel *sy_tcp_client_tunnel_new               (SyDispatcher       *dispatcher,
                                                           const char         *name,
                                                           const char         *bind_host,
                                                           guint16             bind_port,
                                                           const char         *target_host,
                                                           guint16             target_port,
                                                           const char         *outbound);
const char        *sy_tcp_client_tunnel_get_name          (SyTcpClientTunnel  *self);
/* Binds and starts accepting. Fails with SY_ERROR_ADDRESS_IN_USE, the
 * G_IO_ERROR of bind(2), or a bind-host resolution error. */
gboolean           sy_tcp_client_tunnel_start             (SyTcpClientTunnel  *self,
                                                           GError            **error);
/* Stops accepting; sessions already accepted are left to the dispatcher. */
void               sy_tcp_client_tunnel_stop              (SyTcpClientTunnel  *self);
/* The address bound, port filled in when @bind_port was 0 (0.0.0.0 with
 * the port when bound to every address); %NULL while stopped. Transfer none. */
GSocketAddress    *sy_tcp_client_tunnel_get_local_address (SyTcpClientTunnel  *self);

G_END_DECLS
