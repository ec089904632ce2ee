/* sy-engine.h — the whole proxy stack: configuration, inbounds, outbounds, pools
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "config/sy-config.h"
#include "engine/sy-dispatcher.h"
#include "outbound/sy-wireguard-outbound.h"
#include "pool/sy-pool.h"

G_BEGIN_DECLS

typedef enum
{
  SY_ENGINE_STATE_STOPPED,
  SY_ENGINE_STATE_STARTING,
  SY_ENGINE_STATE_RUNNING,
  SY_ENGINE_STATE_FAILED,
} SyEngineState;

#define SY_TYPE_ENGINE (sy_engine_get_type ())

G_DECLARE_FINAL_TYPE (SyEngine, sy_engine, SY, ENGINE, GObject)

/* Signals:
 *   "state-changed"    ()                      state or reason changed
 *   "config-changed"   ()                      a method changed the configuration (persist it)
 *   "upstream-changed" (const char *pool, SyUpstream *upstream)  health/latency/error moved
 *   "pools-changed"    ()                      pools or upstreams added/removed/edited
 *   "wireguard-profiles-changed" ()           profiles added, replaced or removed, or the
 *                                             inbounds and pools using them changed
 *   "wireguard-changed" (const char *profile) a peer of @profile completed or lost a
 *                                             handshake, or changed state or endpoint;
 *                                             batched: at most one per profile per 250 ms
 *
 * The engine never touches the disk: the service loads and saves SyConfig.
 * Every mutator validates first and changes nothing when it fails.
 */

SyEngine          *sy_engine_new                 (void);
const SyConfig    *sy_engine_get_config          (SyEngine             *self);
/* Replaces the whole configuration (Reload). When running, inbounds whose
 * settings changed are rebound and pools updated in place. */
gboolean           sy_engine_set_config          (SyEngine             *self,
                                                  const SyConfig       *config,
                                                  GError              **error);
gboolean           sy_engine_start               (SyEngine             *self,
                                                  GError              **error);
void               sy_engine_stop                (SyEngine             *self);
SyEngineState      sy_engine_get_state           (SyEngine             *self);
const char        *sy_engine_get_state_reason    (SyEngine             *self);
const char        *sy_engine_state_to_string     (SyEngineState         state);
SyDispatcher      *sy_engine_get_dispatcher      (SyEngine             *self);
/* "127.0.0.1:1080" for each listening inbound (empty while stopped) */
GStrv              sy_engine_dup_listen_addresses (SyEngine            *self);

gboolean           sy_engine_set_inbound         (SyEngine             *self,
                                                  const SyInboundConfig *inbound,
                                                  GError              **error);

GPtrArray         *sy_engine_get_pools           (SyEngine             *self); /* SyPool*, transfer none */
SyPool            *sy_engine_find_pool           (SyEngine             *self,
                                                  const char           *name);
gboolean           sy_engine_add_pool            (SyEngine             *self,
                                                  const SyPoolConfig   *pool,
                                                  GError              **error);
gboolean           sy_engine_update_pool         (SyEngine             *self,
                                                  const SyPoolConfig   *pool,
                                                  GError              **error);
gboolean           sy_engine_remove_pool         (SyEngine             *self,
                                                  const char           *name,
                                                  GError              **error);
gboolean           sy_engine_add_upstream        (SyEngine             *self,
                                                  const char           *pool,
                                                  const SyUpstreamConfig *upstream,
                                                  int                   position, /* -1: append */
                                                  GError              **error);
gboolean           sy_engine_update_upstream     (SyEngine             *self,
                                                  const char           *pool,
                                                  const char           *name,
                                                  const SyUpstreamConfig *upstream,
                                                  GError              **error);
gboolean           sy_engine_remove_upstream     (SyEngine             *self,
                                                  const char           *pool,
                                                  const char           *name,
                                                  GError              **error);
gboolean           sy_engine_move_upstream       (SyEngine             *self,
                                                  const char           *pool,
                                                  const char           *name,
                                                  guint                 position,
                                                  GError              **error);
gboolean           sy_engine_set_upstream_enabled (SyEngine            *self,
                                                   const char          *pool,
                                                   const char          *name,
                                                   gboolean             enabled,
                                                   GError             **error);
void               sy_engine_test_upstream_async (SyEngine             *self,
                                                  const char           *pool,
                                                  const char           *name,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gint64             sy_engine_test_upstream_finish (SyEngine            *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* WireGuard profiles. Each is the outbound "wireguard:NAME" (alone and as a
 * pool member), a SyWireguardOutbound registered with the dispatcher, whose
 * tunnel runs while the engine runs. */

/* SyWireguardOutbound*, in configuration order, transfer none */
GPtrArray         *sy_engine_get_wireguard       (SyEngine             *self);
SyWireguardOutbound *sy_engine_find_wireguard    (SyEngine             *self,
                                                  const char           *profile);
/* One SyWgPeerStatus per peer of @profile, in profile order, while its
 * tunnel runs; NULL (without an error) while it does not. NULL with
 * SY_ERROR_NOT_FOUND for an unknown profile. */
GPtrArray         *sy_engine_dup_wireguard_peers (SyEngine             *self,
                                                  const char           *profile,
                                                  GError              **error);

/* Adds @profile (named, see sy_config_wireguard_validate()) or replaces the
 * profile of that name, whose users then go through the new one. Only that
 * profile's tunnel is rebuilt, and only when it differs. The engine keeps a
 * reference: @profile must not change afterwards. */
gboolean           sy_engine_set_wireguard_profile (SyEngine           *self,
                                                    SyWgProfile        *profile,
                                                    GError            **error);
/* SY_ERROR_NOT_FOUND; SY_ERROR_INVALID_ARGUMENT, naming them, while an
 * inbound routes to the profile or a pool has it as a member. */
gboolean           sy_engine_remove_wireguard_profile (SyEngine        *self,
                                                       const char      *name,
                                                       GError         **error);

G_END_DECLS
