/* sy-lwip-hooks.h — prototypes of the hooks lwipopts.h names
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lwip/ip_addr.h"

/* RFC 6528: ISN = M + F(local, remote, secret), M a 4 µs clock. */
u32_t sy_lwip_tcp_isn (const ip_addr_t *local_ip,
                       u16_t            local_port,
                       const ip_addr_t *remote_ip,
                       u16_t            remote_port);
