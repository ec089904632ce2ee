/* sy-engine-private.h — what sy-engine.c and sy-engine-wireguard.c share
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "engine/sy-engine.h"
#include "outbound/sy-wireguard-outbound.h"

G_BEGIN_DECLS

struct _SyEngine
{
  GObject        parent_instance;

  SyConfig      *config;
  SyDispatcher  *dispatcher;
  SyOutbound    *direct;
  SyOutbound    *reject;
  GPtrArray     *pools;          /* SyPool*, in configuration order */
  GPtrArray     *inbounds;       /* SyMixedInbound*, only while running */

  /* sy-engine-wireguard.c */
  GPtrArray     *wireguard;      /* SyWireguardOutbound*, in configuration order */
  GHashTable    *wireguard_dirty;   /* profile names whose peers changed since the last batch */
  GSource       *wireguard_batch;   /* emits "wireguard-changed" for them; NULL: idle */

  SyEngineState  state;
  char          *state_reason;
};

/* sy-engine.c */
gboolean   sy_engine_commit                  (SyEngine             *self,
                                              SyConfig             *edited,
                                              GError              **error);
void       sy_engine_emit_wireguard_changed  (SyEngine             *self,
                                              const char           *profile);

/* sy-engine-wireguard.c
 *
 * A configuration change swaps tunnels in three steps, so that it stays
 * all-or-nothing: prepare() builds the tunnels of new and changed profiles
 * (and fails without touching anything), apply() puts them in place of the
 * old ones (starting them while running; on a failure it puts the old ones
 * back), and after the rest of the change went through, commit() drops the
 * old ones — or revert() brings them back when it did not. */
typedef struct _SyEngineWireguardChange SyEngineWireguardChange;

void                     sy_engine_wireguard_init     (SyEngine                *self);
void                     sy_engine_wireguard_dispose  (SyEngine                *self);
SyEngineWireguardChange *sy_engine_wireguard_prepare  (SyEngine                *self,
                                                       const SyConfig          *config,
                                                       GError                 **error);
gboolean                 sy_engine_wireguard_apply    (SyEngine                *self,
                                                       SyEngineWireguardChange *change,
                                                       GError                 **error);
void                     sy_engine_wireguard_revert   (SyEngine                *self,
                                                       SyEngineWireguardChange *change);
void                     sy_engine_wireguard_commit   (SyEngine                *self,
                                                       SyEngineWireguardChange *change);
void                     sy_engine_wireguard_change_free (SyEngineWireguardChange *change);
/* Whether what ListProfiles shows differs: the profiles or their users. */
gboolean                 sy_engine_wireguard_profiles_differ (const SyConfig   *a,
                                                              const SyConfig   *b);
gboolean                 sy_engine_wireguard_start    (SyEngine                *self,
                                                       GError                 **error);
void                     sy_engine_wireguard_stop     (SyEngine                *self);
/* Where pools find their WireGuard members (user data: the engine). */
extern const SyOutboundDirectory sy_engine_directory;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyEngineWireguardChange, sy_engine_wireguard_change_free)

G_END_DECLS
