/* syd-variant.h — engine objects ↔ the a{sv} dictionaries of the D-Bus API
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "config/sy-config.h"
#include "pool/sy-pool.h"
#include "pool/sy-upstream.h"
#include "session/sy-session.h"
#include "stats/sy-log-ring.h"
#include "stats/sy-traffic.h"

G_BEGIN_DECLS

/* Engine → D-Bus. Every function returns a floating reference. */
GVariant         *syd_variant_from_session          (SySession               *session);
GVariant         *syd_variant_from_sessions         (GPtrArray               *sessions);
GVariant         *syd_variant_from_upstream         (SyUpstream              *upstream);
GVariant         *syd_variant_from_pool             (SyPool                  *pool);
GVariant         *syd_variant_from_pools            (GPtrArray               *pools);
GVariant         *syd_variant_from_inbound_config   (const SyInboundConfig   *inbound);
GVariant         *syd_variant_from_inbound_configs  (GPtrArray               *inbounds);
GVariant         *syd_variant_from_traffic_sample   (const SyTrafficSample   *sample);
GVariant         *syd_variant_from_log_entries      (GPtrArray               *entries);

/* D-Bus → engine. Each merges the keys of an a{sv} into @config, which
 * keeps the values of keys left out. They fail with SY_ERROR_INVALID_ARGUMENT
 * (naming the key) on an unknown key, a wrong type or a value out of range;
 * @config may then be half-changed, so callers work on a copy. */
gboolean          syd_variant_apply_inbound         (GVariant                *dict,
                                                     SyInboundConfig         *config,
                                                     GError                 **error);
gboolean          syd_variant_apply_pool            (GVariant                *dict,
                                                     SyPoolConfig            *config,
                                                     GError                 **error);
gboolean          syd_variant_apply_upstream        (GVariant                *dict,
                                                     SyUpstreamConfig        *config,
                                                     GError                 **error);
/* A new upstream from an AddUpstream() dictionary: "url" or the fields; the
 * name defaults to one derived from host and port, unique in @pool. */
SyUpstreamConfig *syd_variant_to_upstream_config    (GVariant                *dict,
                                                     const SyPoolConfig      *pool,
                                                     GError                 **error);

G_END_DECLS
