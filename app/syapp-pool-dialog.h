/* syapp-pool-dialog.h — add a pool, or change its settings
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "syapp-client.h"

G_BEGIN_DECLS

#define SYAPP_TYPE_POOL_DIALOG (syapp_pool_dialog_get_type ())

G_DECLARE_FINAL_TYPE (SyAppPoolDialog, syapp_pool_dialog, SYAPP, POOL_DIALOG, AdwWindow)

SyAppPoolDialog *syapp_pool_dialog_new (SyAppClient *client,
                                        GVariant    *pool);

const char      *syapp_pool_strategy_text (const char *strategy);

G_END_DECLS
