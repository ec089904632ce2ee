/* sy-direct-outbound.h — kernel sockets to the destination, Happy Eyeballs
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "outbound/sy-outbound.h"

G_BEGIN_DECLS

#define SY_TYPE_DIRECT_OUTBOUND (sy_direct_outbound_get_type ())

G_DECLARE_FINAL_TYPE (SyDirectOutbound, sy_direct_outbound, SY, DIRECT_OUTBOUND, SyOutbound)

SyOutbound *sy_direct_outbound_new            (const char        *name);
/* bind_address: local IP to bind before connect (NULL: any); interface:
 * SO_BINDTODEVICE (NULL: none); fwmark: SO_MARK (0: none). Invalid values
 * fail here, not at dial time. */
gboolean    sy_direct_outbound_set_options    (SyDirectOutbound  *self,
                                               const char        *bind_address,
                                               const char        *interface,
                                               guint32            fwmark,
                                               GError           **error);
/* Per-attempt connect timeout inside one dial (the dispatcher bounds the whole dial). */
void        sy_direct_outbound_set_connect_timeout (SyDirectOutbound *self,
                                                    guint             timeout_ms);

G_END_DECLS
