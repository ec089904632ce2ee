/* syapp-pool-group.h — one pool with its upstreams
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "syapp-client.h"

G_BEGIN_DECLS

#define SYAPP_TYPE_POOL_GROUP (syapp_pool_group_get_type ())

G_DECLARE_FINAL_TYPE (SyAppPoolGroup, syapp_pool_group, SYAPP, POOL_GROUP, AdwPreferencesGroup)

SyAppPoolGroup *syapp_pool_group_new             (SyAppClient    *client,
                                                  const char     *name);
void            syapp_pool_group_update          (SyAppPoolGroup *self,
                                                  GVariant       *pool,
                                                  const char     *used_by);
void            syapp_pool_group_update_upstream (SyAppPoolGroup *self,
                                                  GVariant       *upstream);
void            syapp_pool_group_add_upstream    (SyAppPoolGroup *self);
const char     *syapp_pool_group_get_name        (SyAppPoolGroup *self);

G_END_DECLS
