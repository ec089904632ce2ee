/* sy-netstack-datagram.h — datagrams through a userspace tunnel
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "inbound/sy-datagram-session.h"
#include "netstack/sy-netstack.h"
#include "outbound/sy-wireguard-outbound.h"

G_BEGIN_DECLS

#define SY_TYPE_WIREGUARD_DATAGRAM_DIALER (sy_wireguard_datagram_dialer_get_type ())

G_DECLARE_FINAL_TYPE (SyWireguardDatagramDialer, sy_wireguard_datagram_dialer, SY, WIREGUARD_DATAGRAM_DIALER, SyDatagramDialer)

/* A WireGuard outbound's UDP path: names resolved the way its dial does
 * (sy_wireguard_outbound_resolve_async()), sessions on its netstack. The
 * outbound is started at the first open. Named like the outbound. */
SyDatagramDialer  *sy_wireguard_datagram_dialer_new  (SyWireguardOutbound  *outbound);

/* An unconnected UDP socket on an ephemeral port of @netstack
 * (sy_netstack_udp_new()); any address family the netstack has. */
SyDatagramSession *sy_netstack_datagram_session_new  (SyNetstack           *netstack,
                                                      SyDatagramRecvFunc    func,
                                                      gpointer              user_data,
                                                      GError              **error);

G_END_DECLS
