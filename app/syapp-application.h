/* syapp-application.h — the Switchyard application
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "syapp-client.h"

G_BEGIN_DECLS

#define SYAPP_TYPE_APPLICATION (syapp_application_get_type ())

G_DECLARE_FINAL_TYPE (SyAppApplication, syapp_application, SYAPP, APPLICATION, AdwApplication)

SyAppApplication *syapp_application_new        (void);
SyAppClient      *syapp_application_get_client (SyAppApplication *self);

G_END_DECLS
