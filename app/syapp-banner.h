/* syapp-banner.h — an error message across the top of a dialog
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SYAPP_TYPE_BANNER (syapp_banner_get_type ())

G_DECLARE_FINAL_TYPE (SyAppBanner, syapp_banner, SYAPP, BANNER, GtkWidget)

void        syapp_banner_show        (SyAppBanner *self,
                                      const char  *message);
void        syapp_banner_hide        (SyAppBanner *self);
const char *syapp_banner_get_message (SyAppBanner *self);

G_END_DECLS
