/* sy-pool.h — a named group of upstreams behind one outbound, with a strategy
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "config/sy-config.h"
#include "outbound/sy-outbound.h"
#include "pool/sy-upstream.h"

G_BEGIN_DECLS

#define SY_TYPE_POOL (sy_pool_get_type ())

G_DECLARE_FINAL_TYPE (SyPool, sy_pool, SY, POOL, SyOutbound)

/* Signals: "upstream-changed" (SyUpstream *) whenever an upstream's health,
 * latency or last error changes — not for byte counters. */

SyPool             *sy_pool_new                  (const SyPoolConfig   *config,
                                                  SyOutbound           *transport);
const SyPoolConfig *sy_pool_get_config           (SyPool               *self);
/* Applies a new configuration of the same pool (strategy, health check,
 * upstreams added/removed/reordered/edited/enabled). Upstreams whose
 * configuration did not change keep their counters and health. */
void                sy_pool_update_config        (SyPool               *self,
                                                  const SyPoolConfig   *config);
GPtrArray          *sy_pool_get_upstreams        (SyPool               *self); /* transfer none, SyUpstream* in order */
SyUpstream         *sy_pool_find_upstream        (SyPool               *self,
                                                  const char           *name);
/* How members of kind wireguard find their outbound (see SyOutboundDirectory);
 * set it before the first dial. @directory must outlive the pool or be
 * replaced. */
void                sy_pool_set_directory        (SyPool               *self,
                                                  const SyOutboundDirectory *directory,
                                                  gpointer              user_data);
void                sy_pool_start_health_checks  (SyPool               *self);
void                sy_pool_stop_health_checks   (SyPool               *self);
/* Runs one active health check of @upstream now; the result also updates its health. */
void                sy_pool_test_upstream_async  (SyPool               *self,
                                                  const char           *upstream,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gint64              sy_pool_test_upstream_finish (SyPool               *self,
                                                  GAsyncResult         *result,
                                                  GError              **error); /* latency ms, -1 on error */

G_END_DECLS
