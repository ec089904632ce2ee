/* syapp-window.h — the main window
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "syapp-client.h"

G_BEGIN_DECLS

#define SYAPP_TYPE_WINDOW (syapp_window_get_type ())

G_DECLARE_FINAL_TYPE (SyAppWindow, syapp_window, SYAPP, WINDOW, AdwApplicationWindow)

SyAppWindow *syapp_window_new             (AdwApplication *application,
                                           SyAppClient    *client);
void         syapp_window_show_page       (SyAppWindow    *self,
                                           const char     *name);
void         syapp_window_add_toast       (SyAppWindow    *self,
                                           const char     *message);
void         syapp_window_show_error      (SyAppWindow    *self,
                                           const char     *message);
void         syapp_window_import_files    (SyAppWindow    *self,
                                           GFile         **files,
                                           int             n_files);
void         syapp_present_dialog         (GtkWindow      *dialog,
                                           GtkWidget      *from);

G_END_DECLS
