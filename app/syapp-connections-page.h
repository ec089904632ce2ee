/* syapp-connections-page.h — live connections and the finished-connection log
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "syapp-client.h"

G_BEGIN_DECLS

#define SYAPP_TYPE_CONNECTIONS_PAGE (syapp_connections_page_get_type ())

G_DECLARE_FINAL_TYPE (SyAppConnectionsPage, syapp_connections_page, SYAPP, CONNECTIONS_PAGE, AdwBin)

void syapp_connections_page_set_client   (SyAppConnectionsPage *self,
                                   SyAppClient   *client);
void syapp_connections_page_start_search (SyAppConnectionsPage *self);

G_END_DECLS
