/* syapp-preferences-window.h — the proxy's listener and the app's settings
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "syapp-client.h"

G_BEGIN_DECLS

#define SYAPP_TYPE_PREFERENCES_WINDOW (syapp_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (SyAppPreferencesWindow, syapp_preferences_window,
                      SYAPP, PREFERENCES_WINDOW, AdwPreferencesWindow)

SyAppPreferencesWindow *syapp_preferences_window_new (SyAppClient *client);

G_END_DECLS
