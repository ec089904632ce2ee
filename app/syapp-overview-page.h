/* syapp-overview-page.h — the proxy's state, switch, addresses and traffic
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "syapp-client.h"

G_BEGIN_DECLS

#define SYAPP_TYPE_OVERVIEW_PAGE (syapp_overview_page_get_type ())

G_DECLARE_FINAL_TYPE (SyAppOverviewPage, syapp_overview_page, SYAPP, OVERVIEW_PAGE, AdwBin)

void syapp_overview_page_set_client (SyAppOverviewPage *self,
                                     SyAppClient       *client);

G_END_DECLS
