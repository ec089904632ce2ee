/* syapp-upstream-row.h — one upstream proxy of a pool
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "syapp-client.h"

G_BEGIN_DECLS

#define SYAPP_TYPE_UPSTREAM_ROW (syapp_upstream_row_get_type ())

G_DECLARE_FINAL_TYPE (SyAppUpstreamRow, syapp_upstream_row, SYAPP, UPSTREAM_ROW, AdwActionRow)

SyAppUpstreamRow *syapp_upstream_row_new         (SyAppClient      *client,
                                                  const char       *pool);
void              syapp_upstream_row_update      (SyAppUpstreamRow *self,
                                                  GVariant         *upstream,
                                                  guint             position,
                                                  guint             n_upstreams);
void              syapp_upstream_row_update_live (SyAppUpstreamRow *self,
                                                  GVariant         *upstream);
const char       *syapp_upstream_row_get_name    (SyAppUpstreamRow *self);

G_END_DECLS
