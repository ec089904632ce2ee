/* syapp-wireguard-page.h — WireGuard profiles and their peers
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "syapp-client.h"

G_BEGIN_DECLS

#define SYAPP_TYPE_WIREGUARD_PAGE (syapp_wireguard_page_get_type ())

G_DECLARE_FINAL_TYPE (SyAppWireguardPage, syapp_wireguard_page, SYAPP, WIREGUARD_PAGE, AdwBin)

void syapp_wireguard_page_set_client  (SyAppWireguardPage *self,
                                       SyAppClient        *client);
void syapp_wireguard_page_import_file (SyAppWireguardPage *self,
                                       GFile              *file);

G_END_DECLS
