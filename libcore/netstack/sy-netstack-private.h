/* sy-netstack-private.h — what the netstack's files share
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lwip/netif.h"
#include "lwip/tcp.h"

#include "netstack/sy-netstack.h"
#include "netstack/sy-netstack-tcp-stream.h"

G_BEGIN_DECLS

struct netif        *sy_netstack_get_netif          (SyNetstack          *self);
/* Whether the interface has an address of @family to send from. */
gboolean             sy_netstack_has_family         (SyNetstack          *self,
                                                     GSocketFamily        family);
/* The output function said "no route" since the last reset: how a connect
 * learns that its SYN could not go anywhere. */
void                 sy_netstack_reset_output_failed (SyNetstack         *self);
gboolean             sy_netstack_get_output_failed   (SyNetstack         *self);

/* A stream for a connection lwIP accepted on a listener of @netstack. */
SyNetstackTcpStream *sy_netstack_tcp_stream_new_accepted (SyNetstack     *netstack,
                                                          struct tcp_pcb *pcb);

G_END_DECLS
