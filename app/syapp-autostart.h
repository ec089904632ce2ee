/* syapp-autostart.h — start the service at login
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean  syapp_autostart_is_sandboxed (void);
char     *syapp_autostart_dup_path     (void);
gboolean  syapp_autostart_is_enabled   (GSettings            *settings);
void      syapp_autostart_set_async    (gboolean              enabled,
                                        const char           *parent_window,
                                        GSettings            *settings,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean  syapp_autostart_set_finish   (GAsyncResult         *result,
                                        GError              **error);

G_END_DECLS
