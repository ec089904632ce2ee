/* sy-wireguard-outbound.h — dial through a userspace WireGuard tunnel
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One WireGuard profile as an outbound: a SyWgDevice (the tunnel) joined to
 * a SyNetstack (lwIP TCP/IP inside it). Dialing a host name resolves it
 * through the tunnel when the profile sets DNS=, else with the system
 * resolver; then TCP connects through the netstack, trying the addresses
 * in order. Usable alone (outbound "wg:NAME") or as a member of a pool.
 */

#pragma once

#include "outbound/sy-outbound.h"
#include "netstack/sy-netstack.h"
#include "wireguard/sy-wg-device.h"
#include "wireguard/sy-wg-profile.h"

G_BEGIN_DECLS

#define SY_TYPE_WIREGUARD_OUTBOUND (sy_wireguard_outbound_get_type ())

G_DECLARE_FINAL_TYPE (SyWireguardOutbound, sy_wireguard_outbound, SY, WIREGUARD_OUTBOUND, SyOutbound)

/* Validates the profile and builds the device and netstack; nothing is
 * sent until sy_wireguard_outbound_start() (or the first dial, which
 * starts it). */
SyWireguardOutbound *sy_wireguard_outbound_new          (const char           *name,
                                                         SyWgProfile          *profile,
                                                         GError              **error);
gboolean             sy_wireguard_outbound_start        (SyWireguardOutbound  *self,
                                                         GError              **error);
void                 sy_wireguard_outbound_stop         (SyWireguardOutbound  *self);
SyWgDevice          *sy_wireguard_outbound_get_device   (SyWireguardOutbound  *self);
SyNetstack          *sy_wireguard_outbound_get_netstack (SyWireguardOutbound  *self);
SyWgProfile         *sy_wireguard_outbound_get_profile  (SyWireguardOutbound  *self);

/* Resolves @hostname the way dial does (tunnel DNS when the profile has
 * DNS=, else the system resolver). */
void                 sy_wireguard_outbound_resolve_async  (SyWireguardOutbound  *self,
                                                           const char           *hostname,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
GList               *sy_wireguard_outbound_resolve_finish (SyWireguardOutbound  *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

G_END_DECLS
