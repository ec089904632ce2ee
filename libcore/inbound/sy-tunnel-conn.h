/* sy-tunnel-conn.h — one connection of a port tunnel: session, dial, relay
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the TCP client, TCP server and STDIO tunnels share. A tunnel has no
 * handshake: its destination is fixed, so a connection is a session from
 * the moment it is accepted, dialed at once.
 */

#pragma once

#include <gio/gio.h>

#include "engine/sy-dispatcher.h"
#include "session/sy-session.h"

G_BEGIN_DECLS

/* Session protocols of the tunnels, as sessions and the connection log show them. */
#define SY_TUNNEL_PROTOCOL_TCP_CLIENT  "tcp-tunnel"
#define SY_TUNNEL_PROTOCOL_TCP_SERVER  "tcp-server-tunnel"
#define SY_TUNNEL_PROTOCOL_STDIO       "stdio-tunnel"
#define SY_TUNNEL_PROTOCOL_UDP         "udp-tunnel"

/* Called once the session has ended (after sy_dispatcher_end_session()),
 * with %NULL for a clean end. */
typedef void (*SyTunnelDoneFunc) (SySession    *session,
                                  const GError *error,
                                  gpointer      user_data);

/* Creates the session of one tunnel connection to @host:@port and registers
 * it with @dispatcher. @client_address may be %NULL (standard I/O).
 * Transfer full. */
SySession *sy_tunnel_session_new  (SyDispatcher      *dispatcher,
                                   SyNetwork          network,
                                   const char        *inbound,
                                   const char        *protocol,
                                   GSocketAddress    *client_address,
                                   const char        *host,
                                   guint16            port);

/* Dials @session's destination through the outbound @route (%NULL:
 * "direct") under the dispatcher's connect timeout and relays @client to
 * it. A failed dial ends the session with its error and closes @client.
 *
 * With @done %NULL the dispatcher relays (with its idle timeout) and ends
 * the session. With @done, the relay runs here with @idle_timeout_ms (0:
 * none) and @done runs exactly once, after the session has ended, whether
 * the dial failed or the relay finished. Takes its own references. */
void       sy_tunnel_conn_start   (SyDispatcher      *dispatcher,
                                   SySession         *session,
                                   GIOStream         *client,
                                   const char        *route,
                                   guint              idle_timeout_ms,
                                   SyTunnelDoneFunc   done,
                                   gpointer           user_data);

G_END_DECLS
