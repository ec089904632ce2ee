/* syapp-upstream-dialog.h — add or edit an upstream proxy of a pool
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "syapp-client.h"

G_BEGIN_DECLS

#define SYAPP_TYPE_UPSTREAM_DIALOG (syapp_upstream_dialog_get_type ())

G_DECLARE_FINAL_TYPE (SyAppUpstreamDialog, syapp_upstream_dialog, SYAPP, UPSTREAM_DIALOG, AdwWindow)

SyAppUpstreamDialog *syapp_upstream_dialog_new (SyAppClient *client,
                                                const char  *pool,
                                                GVariant    *upstream);

G_END_DECLS
