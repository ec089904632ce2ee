/* syapp-nm-wireguard.h — NetworkManager's WireGuard connections as wg-quick text
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char *id;      /* the connection's name in NetworkManager */
  char *text;    /* wg-quick(8) text for ImportProfile */
} SyAppNmWireguard;

void       syapp_nm_wireguard_free        (SyAppNmWireguard     *profile);
char      *syapp_nm_wireguard_to_text     (GVariant             *settings,
                                           GVariant             *secrets,
                                           GError              **error);
void       syapp_nm_wireguard_list_async  (GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
GPtrArray *syapp_nm_wireguard_list_finish (GAsyncResult         *result,
                                           GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyAppNmWireguard, syapp_nm_wireguard_free)

G_END_DECLS
