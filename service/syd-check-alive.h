/* syd-check-alive.h — wireproxy's CheckAlive: addresses pinged through the tunnel
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every interval each address gets one ICMP (or ICMPv6) echo through the
 * netstack, answered within the interval or counted as lost. What is kept
 * is what wireproxy keeps and /readyz reports: per address, the time of the
 * last reply in whole seconds since the epoch, 0 before the first.
 */

#pragma once

#include <gio/gio.h>

#include "netstack/sy-netstack.h"

G_BEGIN_DECLS

#define SYD_TYPE_CHECK_ALIVE (syd_check_alive_get_type ())

G_DECLARE_FINAL_TYPE (SydCheckAlive, syd_check_alive, SYD, CHECK_ALIVE, GObject)

/* @addresses: GInetAddress, pinged in this order; @interval_s ≥ 1. */
SydCheckAlive *syd_check_alive_new           (SyNetstack     *netstack,
                                              GPtrArray      *addresses,
                                              guint           interval_s);
/* Pings at once, then every interval. */
void           syd_check_alive_start         (SydCheckAlive  *self);
void           syd_check_alive_stop          (SydCheckAlive  *self);
guint          syd_check_alive_get_interval  (SydCheckAlive  *self);
guint          syd_check_alive_get_n_addresses (SydCheckAlive *self);
/* As wireproxy writes it (Go's netip.Addr.String()): "10.0.0.1", "fd00::1". */
const char    *syd_check_alive_get_address   (SydCheckAlive  *self,
                                              guint           index);
/* Seconds since the epoch of the last reply, 0: none yet. */
gint64         syd_check_alive_get_last_pong (SydCheckAlive  *self,
                                              guint           index);

G_END_DECLS
