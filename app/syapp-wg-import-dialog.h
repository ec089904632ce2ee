/* syapp-wg-import-dialog.h — import a WireGuard profile from pasted text
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "syapp-client.h"

G_BEGIN_DECLS

#define SYAPP_TYPE_WG_IMPORT_DIALOG (syapp_wg_import_dialog_get_type ())

G_DECLARE_FINAL_TYPE (SyAppWgImportDialog, syapp_wg_import_dialog,
                      SYAPP, WG_IMPORT_DIALOG, AdwWindow)

SyAppWgImportDialog *syapp_wg_import_dialog_new     (SyAppClient *client);
void                 syapp_wg_import_dialog_set_text (SyAppWgImportDialog *self,
                                                      const char          *name,
                                                      const char          *text);

void                 syapp_wg_report_import         (GtkWidget           *from,
                                                     const char          *name,
                                                     const char *const   *warnings);
char                *syapp_wg_name_from_file        (const char          *basename);

G_END_DECLS
