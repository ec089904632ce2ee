/* syapp-upstreams-page.h — pools of upstream proxies
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "syapp-client.h"

G_BEGIN_DECLS

#define SYAPP_TYPE_UPSTREAMS_PAGE (syapp_upstreams_page_get_type ())

G_DECLARE_FINAL_TYPE (SyAppUpstreamsPage, syapp_upstreams_page, SYAPP, UPSTREAMS_PAGE, AdwBin)

void syapp_upstreams_page_set_client   (SyAppUpstreamsPage *self,
                                        SyAppClient        *client);
void syapp_upstreams_page_add_upstream (SyAppUpstreamsPage *self);

G_END_DECLS
