/* syd-pools.h — dev.switchyard.Pools1 over the engine's pools
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "syd-daemon.h"

G_BEGIN_DECLS

#define SYD_TYPE_POOLS (syd_pools_get_type ())

G_DECLARE_FINAL_TYPE (SydPools, syd_pools, SYD, POOLS, SydPools1Skeleton)

/* @daemon owns the result and outlives it. */
SydPools *syd_pools_new (SydDaemon *daemon);

G_END_DECLS
