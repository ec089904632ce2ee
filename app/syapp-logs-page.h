/* syapp-logs-page.h — the service's live log
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "syapp-client.h"

G_BEGIN_DECLS

#define SYAPP_TYPE_LOGS_PAGE (syapp_logs_page_get_type ())

G_DECLARE_FINAL_TYPE (SyAppLogsPage, syapp_logs_page, SYAPP, LOGS_PAGE, AdwBin)

void syapp_logs_page_set_client   (SyAppLogsPage *self,
                                   SyAppClient   *client);
void syapp_logs_page_start_search (SyAppLogsPage *self);

G_END_DECLS
