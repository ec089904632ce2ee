/* syapp-a11y.h — accessible names GTK 4.8 and libadwaita 1.2 get wrong
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

void syapp_a11y_fix_tree    (GtkWidget  *root);
void syapp_a11y_name_button (GtkWidget  *button,
                             const char *name);
void syapp_a11y_add_toast   (GtkWidget  *where,
                             AdwToast   *toast);

G_END_DECLS
