/* syd-wireguard.h — dev.switchyard.WireGuard1 over the engine's WireGuard profiles
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "syd-daemon.h"

G_BEGIN_DECLS

#define SYD_TYPE_WIREGUARD (syd_wireguard_get_type ())

G_DECLARE_FINAL_TYPE (SydWireguard, syd_wireguard, SYD, WIREGUARD, SydWireguard1Skeleton)

/* @daemon owns the result and outlives it. */
SydWireguard *syd_wireguard_new (SydDaemon *daemon);

G_END_DECLS
