/* syapp-wg-profile-group.h — one WireGuard profile with its peers, live
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "syapp-client.h"

G_BEGIN_DECLS

#define SYAPP_TYPE_WG_PROFILE_GROUP (syapp_wg_profile_group_get_type ())

G_DECLARE_FINAL_TYPE (SyAppWgProfileGroup, syapp_wg_profile_group,
                      SYAPP, WG_PROFILE_GROUP, AdwPreferencesGroup)

SyAppWgProfileGroup *syapp_wg_profile_group_new      (SyAppClient         *client,
                                                      const char          *name);
void                 syapp_wg_profile_group_update   (SyAppWgProfileGroup *self,
                                                      GVariant            *profile);
void                 syapp_wg_profile_group_refresh  (SyAppWgProfileGroup *self);
void                 syapp_wg_profile_group_tick     (SyAppWgProfileGroup *self);
const char          *syapp_wg_profile_group_get_name (SyAppWgProfileGroup *self);

G_END_DECLS
