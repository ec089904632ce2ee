/* syd-ordered-outbound.h — a WireGuard outbound that orders name answers by family
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * wireproxy's [Resolve] ResolveStrategy: a destination given as a name is
 * resolved the way the WireGuard outbound resolves it (the tunnel's DNS=
 * servers, else the system resolver), the answers are put in the order the
 * strategy asks for — all IPv4 first, or all IPv6 first, each family in
 * the resolver's order — and dialled through the tunnel one after the
 * other until one connects. IP literals go straight through.
 */

#pragma once

#include "inbound/sy-datagram-session.h"
#include "outbound/sy-wireguard-outbound.h"
#include "wireguard/sy-wireproxy-config.h"

G_BEGIN_DECLS

#define SYD_TYPE_ORDERED_OUTBOUND (syd_ordered_outbound_get_type ())

G_DECLARE_FINAL_TYPE (SydOrderedOutbound, syd_ordered_outbound, SYD, ORDERED_OUTBOUND, SyOutbound)

/* @strategy: IPV4 or IPV6 (AUTO made concrete by the caller). */
SyOutbound *syd_ordered_outbound_new          (const char                  *name,
                                               SyWireguardOutbound         *wireguard,
                                               SyWireproxyResolveStrategy   strategy);
/* The same for datagrams ([UDPProxyTunnel]): @inner's names resolved as
 * it resolves them, in the strategy's order; sessions are @inner's. */
#define SYD_TYPE_ORDERED_DATAGRAM_DIALER (syd_ordered_datagram_dialer_get_type ())

G_DECLARE_FINAL_TYPE (SydOrderedDatagramDialer, syd_ordered_datagram_dialer, SYD, ORDERED_DATAGRAM_DIALER, SyDatagramDialer)

SyDatagramDialer *syd_ordered_datagram_dialer_new (SyDatagramDialer           *inner,
                                                   SyWireproxyResolveStrategy  strategy);

/* The order itself:
 * sorts @addresses (GInetAddress) in place, keeping each family's order. */
void        syd_ordered_outbound_sort         (GList                      **addresses,
                                               SyWireproxyResolveStrategy   strategy);

G_END_DECLS
