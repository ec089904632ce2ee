/* sy-udp-proxy-tunnel.h — a local UDP port forwarded to one target, per client
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * wireproxy's [UDPProxyTunnel]: datagrams arriving on BindAddress go to
 * Target through an outbound's UDP path (SyDatagramDialer), and the replies
 * come back to the client that caused them. Each client address gets its
 * own association — its own outbound socket and its own UDP session in the
 * dispatcher (listed, counted, closable) — which ends after the inactivity
 * timeout without a datagram either way.
 */

#pragma once

#include <gio/gio.h>

#include "engine/sy-dispatcher.h"
#include "inbound/sy-datagram-session.h"

G_BEGIN_DECLS

#define SY_TYPE_UDP_PROXY_TUNNEL (sy_udp_proxy_tunnel_get_type ())

G_DECLARE_FINAL_TYPE (SyUdpProxyTunnel, sy_udp_proxy_tunnel, SY, UDP_PROXY_TUNNEL, GObject)

/* Counters of one association. The byte counts are the session's: UDP
 * payload, client → target (up) and target → client (down). */
typedef struct
{
  guint64 session_id;
  guint64 packets_up;
  guint64 packets_down;
  guint64 bytes_up;
  guint64 bytes_down;
  guint64 dropped;       /* datagrams lost either way: full queues, send errors, while resolving */
  guint64 stray;         /* datagrams to the outbound socket from anyone but the target */
} SyUdpAssociationStats;

/* @bind_host: see sy_tunnel_resolve_bind_host() (every address: one
 * dual-stack socket). @target_host: a name (resolved through @dialer for
 * each new association, as wireproxy dials each time) or an IP literal.
 * @inactivity_timeout_ms: 0 never expires an association (wireproxy's
 * default, InactivityTimeout=0); wireproxy's file gives seconds. */
SyUdpProxyTunnel *sy_udp_proxy_tunnel_new                  (SyDispatcher          *dispatcher,
                                                            const char            *name,
                                                            const char            *bind_host,
                                                            guint16                bind_port,
                                                            const char            *target_host,
                                                            guint16                target_port,
                                                            SyDatagramDialer      *dialer,
                                                            guint                  inactivity_timeout_ms);
const char       *sy_udp_proxy_tunnel_get_name             (SyUdpProxyTunnel      *self);
/* At most this many associations at once (default 512; 0: no limit): a new
 * client beyond it ends the least recently active one. Each holds a
 * descriptor or a netstack socket, and a DNS forwarder sees a new client
 * port per query. */
void              sy_udp_proxy_tunnel_set_max_associations (SyUdpProxyTunnel      *self,
                                                            guint                  max_associations);
/* Binds and starts. Fails with SY_ERROR_ADDRESS_IN_USE, the G_IO_ERROR of
 * bind(2), or a bind-host resolution error. */
gboolean          sy_udp_proxy_tunnel_start                (SyUdpProxyTunnel      *self,
                                                            GError               **error);
/* Unbinds and ends every association (cleanly). */
void              sy_udp_proxy_tunnel_stop                 (SyUdpProxyTunnel      *self);
/* The bound address (port filled in); %NULL while stopped. Transfer none. */
GSocketAddress   *sy_udp_proxy_tunnel_get_local_address    (SyUdpProxyTunnel      *self);
guint             sy_udp_proxy_tunnel_get_n_associations   (SyUdpProxyTunnel      *self);
/* The live association of @client, as the tunnel's socket sees it (a
 * dual-stack socket sees IPv4 clients as ::ffff:a.b.c.d). */
gboolean          sy_udp_proxy_tunnel_get_association      (SyUdpProxyTunnel      *self,
                                                            GInetSocketAddress    *client,
                                                            SyUdpAssociationStats *stats);

G_END_DECLS
