/* syapp-screenshot.h — a window as PNG, rendered by the app itself
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

gboolean syapp_screenshot_save    (GtkWindow   *window,
                                   const char  *path,
                                   GError     **error);
void     syapp_screenshot_request (GtkWindow   *window,
                                   const char  *path);

G_END_DECLS
